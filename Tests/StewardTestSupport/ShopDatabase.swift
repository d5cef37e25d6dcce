import Foundation
import SQLKit
public import StewardStore

/// A shop's database described as Fides's own sample datasets describe theirs: no `data_type`
/// anywhere, primary keys left to the database (one composite, one table with none), integers,
/// booleans and timestamps, an address two customers share, a product catalogue, a collection of
/// nothing but keys, and an employee who handles other customers' requests. Amy Pond (customer 1,
/// amy@example.org) is the person the tests ask about; her home, address 1, is where Bob's order 20
/// went.
public enum ShopDatabase {
    public static let dataset = """
        dataset:
          - fides_key: shop_db
            name: Shop database
            collections:
              - name: address
                fields:
                  - name: id
                    data_categories: [system.operations]
                    fides_meta:
                      primary_key: true
                  - name: house
                    data_categories: [user.contact.address.street]
                  - name: street
                    data_categories: [user.contact.address.street]
                  - name: city
                    data_categories: [user.contact.address.city]
                  - name: zip
                    data_categories: [user.contact.address.postal_code]
              - name: customer
                fields:
                  - name: id
                    data_categories: [user.unique_id]
                    fides_meta:
                      primary_key: true
                  - name: email
                    data_categories: [user.contact.email]
                    fides_meta:
                      identity: email
                  - name: name
                    data_categories: [user.name]
                    fides_meta:
                      length: 40
                  - name: address_id
                    data_categories: [system.operations]
                    fides_meta:
                      references:
                        - dataset: shop_db
                          field: address.id
                          direction: to
                  - name: created
                    data_categories: [system.operations]
              - name: product
                fields:
                  - name: id
                    data_categories: [system.operations]
                    fides_meta:
                      primary_key: true
                  - name: name
                    data_categories: [system.operations]
                  - name: price
                    data_categories: [system.operations]
              - name: orders
                fields:
                  - name: id
                    data_categories: [system.operations]
                    fides_meta:
                      primary_key: true
                  - name: customer_id
                    data_categories: [user.unique_id]
                    fides_meta:
                      references:
                        - dataset: shop_db
                          field: customer.id
                          direction: from
                  - name: shipping_address_id
                    data_categories: [system.operations]
                    fides_meta:
                      references:
                        - dataset: shop_db
                          field: address.id
                          direction: to
              - name: order_item
                fields:
                  - name: order_id
                    data_categories: [system.operations]
                    fides_meta:
                      references:
                        - dataset: shop_db
                          field: orders.id
                          direction: from
                  - name: item_no
                    data_categories: [system.operations]
                  - name: product_id
                    data_categories: [system.operations]
                    fides_meta:
                      references:
                        - dataset: shop_db
                          field: product.id
                          direction: to
                  - name: quantity
                    data_categories: [system.operations]
              - name: payment_card
                fields:
                  - name: id
                    data_categories: [system.operations]
                    fides_meta:
                      primary_key: true
                  - name: customer_id
                    data_categories: [user.unique_id]
                    fides_meta:
                      references:
                        - dataset: shop_db
                          field: customer.id
                          direction: from
                  - name: ccn
                    data_categories: [user.financial.bank_account]
                  - name: code
                    data_categories: [user.financial]
                  - name: preferred
                    data_categories: [user]
                  - name: billing_address_id
                    data_categories: [system.operations]
                    fides_meta:
                      references:
                        - dataset: shop_db
                          field: address.id
                          direction: to
              - name: login
                fields:
                  - name: customer_id
                    data_categories: [user.unique_id]
                    fides_meta:
                      references:
                        - dataset: shop_db
                          field: customer.id
                          direction: from
                  - name: time
                    data_categories: [user.sensor]
              - name: customer_segment
                fields:
                  - name: customer_id
                    data_categories: [user.unique_id]
                    fides_meta:
                      references:
                        - dataset: shop_db
                          field: customer.id
                          direction: from
                  - name: segment
                    data_categories: [system.operations]
              - name: employee
                fields:
                  - name: id
                    data_categories: [user.unique_id]
                    fides_meta:
                      primary_key: true
                  - name: email
                    data_categories: [user.contact.email]
                    fides_meta:
                      identity: email
                  - name: name
                    data_categories: [user.name]
                  - name: address_id
                    data_categories: [system.operations]
                    fides_meta:
                      references:
                        - dataset: shop_db
                          field: address.id
                          direction: to
              - name: service_request
                fields:
                  - name: id
                    data_categories: [system.operations]
                    fides_meta:
                      primary_key: true
                  - name: email
                    data_categories: [system.operations]
                    fides_meta:
                      identity: email
                  - name: alt_email
                    data_categories: [user.contact.email]
                    fides_meta:
                      identity: email
                  - name: opened
                    data_categories: [system.operations]
                  - name: closed
                    data_categories: [system.operations]
                  - name: employee_id
                    data_categories: [user.unique_id]
                    fides_meta:
                      references:
                        - dataset: shop_db
                          field: employee.id
                          direction: from
        """

    public static let files: [String: String] = [
        "controller.yaml": "controller:\n  name: Testshire County Council\n",
        "systems/shop.yaml": """
        system:
          key: shop
          name: Council shop
          department: Commercial
          hosting_country: GB
          datasets: [shop_db]
          purposes: [shop_sales]
          data_subjects: [customer]
        """,
        "purposes.yaml": """
        purposes:
          - key: shop_sales
            name: Selling goods in the council shop
            data_use: essential.service.payment_processing
            lawful_basis: contract
            data_categories: [user.contact, user.name, user.financial, user.unique_id, user.sensor]
            data_subjects: [customer]
        """,
        "recipients.yaml": "recipients: []\n",
        "datasets/shop_db.yaml": dataset,
    ]

    /// Each table with its columns in order and the column it is sorted by, for snapshots.
    public static let tables: [(name: String, columns: [String], order: String)] = [
        ("address", ["id", "house", "street", "city", "zip"], "id"),
        ("customer", ["id", "email", "name", "address_id", "created"], "id"),
        ("product", ["id", "name", "price"], "id"),
        ("orders", ["id", "customer_id", "shipping_address_id"], "id"),
        ("order_item", ["order_id", "item_no", "product_id", "quantity"], "order_id, item_no"),
        ("payment_card", ["id", "customer_id", "ccn", "code", "preferred", "billing_address_id"], "id"),
        ("login", ["customer_id", "time"], "customer_id, time"),
        ("customer_segment", ["customer_id", "segment"], "customer_id, segment"),
        ("employee", ["id", "email", "name", "address_id"], "id"),
        ("service_request", ["id", "email", "alt_email", "opened", "closed", "employee_id"], "id"),
    ]

    public static func build(_ handle: any DatabaseHandle, postgres: Bool) async throws {
        let timestamp = postgres ? "TIMESTAMP" : "DATETIME"
        try await handle.write { database in
            for statement in [
                "CREATE TABLE address (id INTEGER PRIMARY KEY, house TEXT, street TEXT, city TEXT, zip TEXT CHECK (zip IS NULL OR length(zip) > 3))",
                "CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT, name VARCHAR(40), address_id INTEGER REFERENCES address (id), created \(timestamp) NOT NULL)",
                "CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(8, 2))",
                "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer (id), shipping_address_id INTEGER REFERENCES address (id))",
                "CREATE TABLE order_item (order_id INTEGER REFERENCES orders (id), item_no INTEGER, product_id INTEGER REFERENCES product (id), quantity INTEGER, PRIMARY KEY (order_id, item_no))",
                "CREATE TABLE payment_card (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer (id), ccn TEXT, code TEXT, preferred BOOLEAN, billing_address_id INTEGER REFERENCES address (id))",
                "CREATE TABLE login (customer_id INTEGER REFERENCES customer (id), time \(timestamp))",
                "CREATE TABLE customer_segment (customer_id INTEGER REFERENCES customer (id), segment TEXT, PRIMARY KEY (customer_id, segment))",
                "CREATE TABLE employee (id INTEGER PRIMARY KEY, email TEXT, name TEXT, address_id INTEGER REFERENCES address (id))",
                "CREATE TABLE service_request (id INTEGER PRIMARY KEY, email TEXT, alt_email TEXT, opened DATE, closed DATE, employee_id INTEGER REFERENCES employee (id))",
                // Address 1 is Amy's home, and where Bob's order 20 was delivered.
                "INSERT INTO address VALUES (1, '12', 'Leadworth Lane', 'Leadworth', 'LD1 1AA'), (2, '3', 'Totters Lane', 'London', 'SE1 7TL'), (3, '7', 'Upper Leadworth', 'Leadworth', 'LD2 2BB'), (4, '9', 'Bad Wolf Bay', 'Cardiff', 'CF10 1AA')",
                "INSERT INTO customer VALUES (1, 'amy@example.org', 'Amy Pond', 1, '2025-03-01 10:00:00'), (2, 'bob@example.org', 'Bob Smith', 2, '2025-04-02 11:30:00')",
                "INSERT INTO product VALUES (1, 'Kettle', 19.99), (2, 'Toaster', 24.50), (3, 'Mug', 4.00)",
                "INSERT INTO orders VALUES (10, 1, 3), (11, 1, 1), (20, 2, 1)",
                "INSERT INTO order_item VALUES (10, 1, 1, 2), (10, 2, 2, 1), (11, 1, 1, 1), (20, 1, 1, 1), (20, 2, 3, 4)",
                "INSERT INTO payment_card VALUES (100, 1, '4111111111111111', '123', \(postgres ? "TRUE" : "1"), 1), (200, 2, '5500000000000004', '456', \(postgres ? "FALSE" : "0"), 2)",
                "INSERT INTO login VALUES (1, '2026-01-05 09:00:00'), (1, '2026-02-06 18:15:00'), (2, '2026-01-07 08:00:00')",
                "INSERT INTO customer_segment VALUES (1, 'gold'), (2, 'silver')",
                "INSERT INTO employee VALUES (5, 'eve@example.org', 'Eve Moneypenny', 4)",
                "INSERT INTO service_request VALUES (1000, 'amy@example.org', NULL, '2026-01-10', NULL, 5), (1001, 'bob@example.org', 'bob.alt@example.org', '2026-01-11', '2026-01-12', 5)",
            ] {
                try await database.raw(SQLQueryString(statement)).run()
            }
        }
    }

    /// Every cell of every table, as text (NULL as nil), in a fixed order.
    public static func snapshot(_ handle: any DatabaseHandle) async throws -> [String: [[String?]]] {
        var result: [String: [[String?]]] = [:]
        for table in tables {
            let columns = table.columns.map { "CAST(\"\($0)\" AS TEXT) AS \"\($0)\"" }.joined(separator: ", ")
            let rows = try await handle.read { database in
                try await database.raw(SQLQueryString("SELECT \(columns) FROM \(table.name) ORDER BY \(table.order)")).all()
            }
            result[table.name] = try rows.map { row in try table.columns.map { try row.decode(column: $0, as: String?.self) } }
        }
        return result
    }

}
