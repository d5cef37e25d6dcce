public import Foundation
public import StewardCore

/// Reads the England and Wales bank holidays in the gov.uk JSON format
/// (`{"division": …, "events": [{"date": "YYYY-MM-DD", "title": …}]}`).
public enum BankHolidaysFile {
    struct Document: Decodable {
        struct Event: Decodable {
            var date: String
        }
        var events: [Event]
    }

    /// Reads the file at `path`, or the bundled copy when `path` is nil.
    public static func load(path: String?) throws -> BankHolidays {
        let url: URL
        if let path {
            url = URL(fileURLWithPath: path)
        } else if let bundled = BundledData.bankHolidays {
            url = bundled
        } else {
            throw StewardError(.invalidConfiguration, "the bundled bank-holiday list is missing from this build", field: "bank_holidays")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw StewardError(.invalidConfiguration, "cannot read the bank-holiday file '\(url.path)'", field: "bank_holidays")
        }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch {
            throw StewardError(.invalidConfiguration, "'\(url.path)' is not a bank-holiday list in the gov.uk format", field: "bank_holidays")
        }
        var dates: Set<CalendarDate> = []
        for event in document.events {
            guard let date = CalendarDate(iso: event.date) else {
                throw StewardError(.invalidConfiguration, "'\(event.date)' in '\(url.path)' is not a date", field: "bank_holidays")
            }
            dates.insert(date)
        }
        return BankHolidays(dates: dates)
    }
}
