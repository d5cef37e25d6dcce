public import Foundation

/// Data that ships inside Steward: the demo council's data map and the England and Wales bank
/// holidays.
public enum BundledData {
    /// The folder of the demo council's data map.
    public static var demoDataMap: URL {
        get throws {
            guard let url = Bundle.module.url(forResource: "demo", withExtension: nil) else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "the bundled demo data map is missing from this build"])
            }
            return url
        }
    }

    /// The bundled England and Wales bank holidays file (gov.uk format).
    public static var bankHolidays: URL? {
        Bundle.module.url(forResource: "bank-holidays-england-wales", withExtension: "json")
    }
}
