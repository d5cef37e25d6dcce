/// The England and Wales bank holidays, for working-day deadlines. Steward ships the gov.uk list
/// (past years) with future years computed from the standing rules; a council may replace the file.
public struct BankHolidays: Sendable, Hashable {
    public let dates: Set<CalendarDate>
    /// The first and last years the list covers; a deadline outside them cannot be trusted.
    public let years: ClosedRange<Int>

    public init(dates: Set<CalendarDate>) {
        self.dates = dates
        let years = dates.map(\.year)
        self.years = (years.min() ?? 0)...(years.max() ?? 0)
    }

    /// True on weekends and bank holidays.
    public func isNonWorkingDay(_ date: CalendarDate) -> Bool {
        date.isWeekend || dates.contains(date)
    }

    /// The date itself when it is a working day, else the next working day.
    public func rolledToWorkingDay(_ date: CalendarDate) -> CalendarDate {
        var current = date
        while isNonWorkingDay(current) { current = current.adding(days: 1) }
        return current
    }
}
