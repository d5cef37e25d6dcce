import SQLKit

extension SQLDatabase {
    /// Inserts many rows in multi-row statements of at most `rowsPerStatement`, which keeps even a
    /// wide table under SQLite's limit of 32,766 bound parameters per statement.
    func insertRows(into table: String, columns: [String], rows: [[SQLBind]], rowsPerStatement: Int = 1000) async throws {
        var start = 0
        while start < rows.count {
            let end = min(start + rowsPerStatement, rows.count)
            var insert = self.insert(into: table).columns(columns)
            for row in rows[start..<end] { insert = insert.values(row) }
            try await insert.run()
            start = end
        }
    }
}
