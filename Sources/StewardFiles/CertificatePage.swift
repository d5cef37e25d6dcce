public import Foundation
import Mustache
public import StewardCore

/// A disposal certificate as a page a records manager can read, print or file: the bundled
/// `pages/certificate.html.mustache`, every value escaped.
public struct CertificatePage: Sendable {
    let library: MustacheLibrary

    public init() throws {
        guard let url = Bundle.module.url(forResource: "pages", withExtension: nil),
            let data = FileManager.default.contents(atPath: url.appendingPathComponent("certificate.html.mustache").path)
        else {
            throw StewardError(.invalidConfiguration, "the bundled certificate page is missing from this build")
        }
        var library = MustacheLibrary()
        try library.register(String(decoding: data, as: UTF8.self), named: "certificate")
        self.library = library
    }

    /// The page for `certificate`, issued by `controller` (the council's name).
    public func render(_ certificate: DisposalCertificate, controller: String) -> String {
        let past =
            switch certificate.action {
            case .anonymise: "anonymised"
            case .delete, .review: "deleted"
            }
        let context: [String: Any] = [
            "controller": controller, "id": certificate.id.rawValue, "run": certificate.run.rawValue, "dataset": certificate.dataset,
            "collection": certificate.collection, "source": certificate.source ?? "-", "period": certificate.period,
            "trigger": certificate.trigger, "action": certificate.action.rawValue, "authority": certificate.authority ?? "-",
            "cutoff": certificate.cutoff.description, "rows": "\(certificate.rows)", "actionPast": past,
            "dependents": certificate.dependents.sorted { $0.key < $1.key }.map { ["collection": $0.key, "count": "\($0.value)"] },
            "fields": certificate.fields.isEmpty ? "" : certificate.fields.joined(separator: ", "), "startedAt": certificate.startedAt,
            "finishedAt": certificate.finishedAt, "issuedBy": certificate.issuedBy, "keysDigest": certificate.keysDigest,
            "summary":
                "\(certificate.rows) row\(certificate.rows == 1 ? "" : "s") of \(certificate.dataset).\(certificate.collection) \(certificate.rows == 1 ? "was" : "were") \(past) on \(certificate.finishedAt.prefix(10)) under the retention schedule.",
        ]
        return library.render(context, withTemplate: "certificate") ?? ""
    }
}
