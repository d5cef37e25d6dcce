import StewardCore

/// The dashboard's chart of requests received and closed each week, drawn on the server as SVG
/// (presentation attributes only, so the strict Content-Security-Policy holds), followed by the
/// same figures as a table, by kind, for anyone who cannot see the bars.
enum WeeklyChart {
    static let received = "#1d5fa0"
    static let closed = "#00703c"

    static func html(_ weeks: [WeekActivity]) -> String {
        let width = 640
        let height = 220
        let left = 40
        let bottom = 40
        let top = 16
        let totals = weeks.map { (received: $0.received.values.reduce(0, +), closed: $0.closed.values.reduce(0, +)) }
        let highest = max(1, totals.map { max($0.received, $0.closed) }.max() ?? 1)
        let scale = Double(height - bottom - top) / Double(highest)
        let slot = Double(width - left - 8) / Double(max(1, weeks.count))
        let bar = max(4.0, slot * 0.32)
        var svg = """
            <svg class="chart" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" role="img" aria-labelledby="chart-title chart-desc" focusable="false">
            <title id="chart-title">Requests received and closed in each of the last \(weeks.count) weeks</title>
            <desc id="chart-desc">Blue bars are requests received, green bars requests closed. The table below gives the figures.</desc>
            <line x1="\(left)" y1="\(height - bottom)" x2="\(width - 4)" y2="\(height - bottom)" stroke="#0b0c0c" stroke-width="1"/>
            <text x="\(left - 6)" y="\(top + 4)" text-anchor="end" font-size="12" fill="#0b0c0c">\(highest)</text>
            <text x="\(left - 6)" y="\(height - bottom)" text-anchor="end" font-size="12" fill="#0b0c0c">0</text>

            """
        for (index, week) in weeks.enumerated() {
            let x = Double(left) + slot * Double(index) + slot * 0.14
            for (offset, count, colour) in [(0.0, totals[index].received, received), (bar + 2, totals[index].closed, closed)] {
                let h = Double(count) * scale
                svg +=
                    "<rect x=\"\(format(x + offset))\" y=\"\(format(Double(height - bottom) - h))\" width=\"\(format(bar))\" height=\"\(format(h))\" fill=\"\(colour)\"/>\n"
            }
            let label = "\(week.week.day) \(CalendarDate.monthNames[week.week.month - 1].prefix(3))"
            svg +=
                "<text x=\"\(format(x + bar))\" y=\"\(height - bottom + 18)\" text-anchor=\"middle\" font-size=\"12\" fill=\"#0b0c0c\">\(label)</text>\n"
        }
        svg += """
            <rect x="\(left)" y="\(height - 14)" width="12" height="12" fill="\(received)"/><text x="\(left + 16)" y="\(height - 4)" font-size="12" fill="#0b0c0c">Received</text>
            <rect x="\(left + 100)" y="\(height - 14)" width="12" height="12" fill="\(closed)"/><text x="\(left + 116)" y="\(height - 4)" font-size="12" fill="#0b0c0c">Closed</text>
            </svg>

            """
        var table = """
            <table>
              <caption>Requests received and closed by week, by kind</caption>
              <thead><tr><th scope="col">Week beginning</th><th scope="col">Received</th><th scope="col">Closed</th></tr></thead>
              <tbody>

            """
        for (index, week) in weeks.enumerated().reversed() {
            table +=
                "<tr><th scope=\"row\">\(week.week.longDescription)</th><td>\(cell(totals[index].received, week.received))</td><td>\(cell(totals[index].closed, week.closed))</td></tr>\n"
        }
        table += "</tbody>\n</table>\n"
        return svg + table
    }

    static func cell(_ total: Int, _ kinds: [RightsRequest.Kind: Int]) -> String {
        guard total > 0 else { return "0" }
        let parts = kinds.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.words) \($0.value)" }
        return "\(total) (\(parts.joined(separator: ", ")))"
    }

    static func format(_ value: Double) -> String {
        String(Double((value * 10).rounded()) / 10)
    }
}

extension RightsRequest.Kind {
    /// The right in a few plain words, as pages write it.
    var words: String {
        switch self {
        case .access: "access"
        case .rectification: "rectification"
        case .erasure: "erasure"
        case .restriction: "restriction"
        case .objection: "objection"
        case .cctvAccess: "CCTV access"
        case .complaint: "complaint"
        case .other: "other"
        }
    }
}
