import SQLKit

extension SQLRow {
    /// The row as a value, its columns named in snake case (`created_at` → `createdAt`): one
    /// decoding of every table's rows, instead of a read per column.
    func model<Model: Decodable>(_ type: Model.Type) throws -> Model {
        try decode(model: type, keyDecodingStrategy: .convertFromSnakeCase)
    }
}
