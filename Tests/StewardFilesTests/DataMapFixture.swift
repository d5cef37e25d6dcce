import Foundation

/// A small, valid data map as file texts, for tests to break one piece at a time. Line numbers in
/// tests refer to these texts, so change them with care.
enum DataMapFixture {
    static let controller = """
        controller:
          name: Testshire County Council
          ico_registration: Z0000001
          dpo:
            name: Data Protection Officer
            email: dpo@testshire.example
        """

    static let system = """
        system:
          key: libraries
          name: Library management
          department: Communities
          hosting_country: GB
          datasets: [library_db]
          purposes: [library_membership]
          data_subjects: [library_member]
        """

    static let dataset = """
        dataset:
          - fides_key: library_db
            name: Library database
            collections:
              - name: borrowers
                fields:
                  - name: id
                    data_categories: [system.operations]
                    fides_meta:
                      primary_key: true
                      data_type: integer
                  - name: email
                    data_categories: [user.contact.email]
                    fides_meta:
                      identity: email
                      data_type: string
                  - name: address
                    fides_meta:
                      data_type: object
                    fields:
                      - name: postcode
                        data_categories: [user.contact.address.postal_code]
                        fides_meta:
                          data_type: string
              - name: loans
                fields:
                  - name: borrower_id
                    data_categories: [system.operations]
                    fides_meta:
                      data_type: integer
                      references:
                        - dataset: library_db
                          field: borrowers.id
                          direction: from
                  - name: returned_on
                    data_categories: [system.operations]
                    fides_meta:
                      data_type: date
        """

    static let purposes = """
        purposes:
          - key: library_membership
            name: Running library membership
            data_use: public_service.libraries
            lawful_basis: public_task
            legislation: Public Libraries and Museums Act 1964
            data_categories: [user.contact.email, user.contact.address.postal_code]
            data_subjects: [library_member]
        """

    static let recipients = """
        recipients:
          - key: library_cloud
            name: Library Cloud Inc
            type: processor
            country: US
            agreements:
              - type: art28_contract
                reference: LC-2024
                categories: [user.contact.email]
                purposes: [library_membership]
                starts: 2024-01-01
                ends: 2027-12-31
        """

    static let retention = """
        retention:
          - dataset: library_db
            collection: loans
            period: 2 years
            trigger:
              field: returned_on
            action: delete
        """

    static var files: [String: String] {
        [
            "controller.yaml": controller, "systems/libraries.yaml": system, "datasets/library_db.yaml": dataset,
            "purposes.yaml": purposes, "recipients.yaml": recipients, "retention.yaml": retention,
        ]
    }

    /// The fixture with one file's text changed by replacing `old` with `new` (which must occur).
    static func replacing(_ old: String, with new: String, in file: String) -> [String: String] {
        var files = files
        let text = files[file]!
        precondition(text.contains(old), "fixture \(file) does not contain \(old)")
        files[file] = text.replacingOccurrences(of: old, with: new)
        return files
    }
}
