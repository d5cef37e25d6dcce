import HTTPTypes
public import Hummingbird

/// Headers every response carries: no sniffing of types, no framing, no referrer, and HSTS when
/// Steward is reached over TLS. Pages get a strict Content-Security-Policy (no inline script or
/// style: only Steward's own stylesheet, script and images); the API's few HTML answers (letters,
/// certificates, the record of processing) keep their inline style but may run no script either.
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let secure: Bool

    public init(secure: Bool) {
        self.secure = secure
    }

    static var pagePolicy: String {
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }
    static var apiPolicy: String { "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'" }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = request.uri.path.hasPrefix("/api/") ? Self.apiPolicy : Self.pagePolicy
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        if secure { response.headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains" }
        return response
    }
}
