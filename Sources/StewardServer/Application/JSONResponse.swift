import Foundation
import HTTPTypes
import Hummingbird

/// Encodes API bodies the same way everywhere: sorted keys, so responses are stable and diffable.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension Request {
    /// Decodes a JSON body, so that a missing or mistyped field is reported by name (the error
    /// middleware turns `DecodingError` into a 400 naming the field).
    func decodeJSON<Value: Decodable>(as type: Value.Type, context: StewardRequestContext) async throws -> Value {
        let buffer = try await body.collect(upTo: context.maxUploadSize)
        return try JSONDecoder().decode(type, from: Data(buffer.readableBytesView))
    }
}
