import Foundation
import HTTPTypes
public import Hummingbird
import Logging
import StewardCore

/// Turns every error into the API's error body, `{"error": {"code", "message", "field"?, "details"?}}`,
/// with the right status. The one place where error codes meet HTTP statuses.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The routes served, for telling a wrong method (405) from an unknown path (404).
    let routes: RouteTable

    public init(routes: RouteTable = RouteTable()) {
        self.routes = routes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as StewardError {
            if error.code == .internal || error.code == .unavailable {
                // The cause may hold a database's own words, so only its type and where it was raised are logged.
                context.logger.error(
                    "request failed",
                    metadata: [
                        "code": "\(error.code)", "at": "\(error.location)",
                        "cause": "\(error.underlying.map { String(reflecting: type(of: $0)) } ?? "none")",
                    ]
                )
            }
            return Self.response(for: error)
        } catch let error as HTTPError {
            if error.status == .notFound, error.body == nil, case let allowed = routes.methods(for: request.uri.path), !allowed.isEmpty {
                let list = allowed.map(\.rawValue).joined(separator: ", ")
                var response = Self.response(
                    for: StewardError(.invalidInput, "\(request.method) is not taken at \(request.uri.path); it takes \(list)"),
                    status: .methodNotAllowed
                )
                response.headers[.allow] = list
                return response
            }
            let code: StewardError.Code =
                switch error.status {
                case .notFound: .notFound
                case .unauthorized: .unauthenticated
                case .forbidden: .forbidden
                default: .invalidInput
                }
            let message =
                error.body ?? (error.status == .notFound ? "no such route: \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            return Self.response(for: StewardError(code, message), status: error.status)
        } catch let error as any HTTPResponseError {
            let message = error.status == .contentTooLarge ? "the request body is larger than this route accepts" : error.status.reasonPhrase
            return Self.response(for: StewardError(.invalidInput, message, field: "body"), status: error.status)
        } catch {
            context.logger.error("unhandled error", metadata: ["cause": "\(String(reflecting: type(of: error)))"])
            return Self.response(for: StewardError(.internal, "internal error; the request may not have completed", underlying: error))
        }
    }

    /// The HTTP status for each error code.
    static func status(for code: StewardError.Code) -> HTTPResponse.Status {
        switch code {
        case .malformedInput: .badRequest
        case .invalidInput: .unprocessableContent
        case .invalidDataMap: .unprocessableContent
        case .notFound: .notFound
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .conflict: .conflict
        case .unavailable: .serviceUnavailable
        case .auditTampered: .conflict
        case .tooManyRequests: .tooManyRequests
        case .unsupportedMediaType: .unsupportedMediaType
        case .internal: .internalServerError
        default: .badRequest
        }
    }

    static func response(for error: StewardError, status: HTTPResponse.Status? = nil) -> Response {
        let body = ErrorBody(
            error: ErrorBody.Detail(
                code: error.code.rawValue,
                message: error.message,
                field: error.field,
                details: error.details.isEmpty ? nil : error.details
            )
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data(#"{"error":{"code":"unavailable","message":"error"}}"#.utf8)
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if error.code == .unauthenticated { headers[.wwwAuthenticate] = #"Bearer realm="steward""# }
        return Response(status: status ?? Self.status(for: error.code), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
