import Foundation
import HTTPTypes
import Hummingbird
import StewardApp
import StewardCore
import StewardFiles

/// The resident portal under `/`, for people with no account: the rights explained, a request form
/// for each right (`PortalController+Forms`) — the form, "check your answers", the emailed code, and
/// the confirmation with the reference and the date the answer is due — and a way back to a request
/// with a fresh code, with its bundle once it is ready. It submits through the same
/// `RequestService.submit` and `verifyCode` as the public API, under the same limits per address and
/// per email. Nothing personal goes in a URL: answers travel in the form, the reference (which names
/// no one) in the path. Every form carries a token bound to a cookie (double submit).
struct PortalController {
    let console: ConsoleController
    let limiter: PublicRateLimiter

    static let service = "Your personal data"
    static let formCookie = "steward_form"

    var services: StewardServices { console.services }

    func register(on router: Router<StewardRequestContext>) {
        router.get("/") { request, _ in try await rendered(request) { try await home(request) } }
        router.get("/privacy-notice") { request, _ in try await rendered(request) { try await privacyNotice(request) } }
        for form in Self.forms {
            router.get("/request/\(form.slug)") { request, _ in
                try await rendered(request) { try await requestForm(request, form, answers: .init(), errors: []) }
            }
            router.post("/request/\(form.slug)") { request, context in
                try await rendered(request) { try await requestPosted(request, context, form) }
            }
        }
        router.get("/request/{reference}/code") { request, context in
            try await rendered(request) { try await codeForm(request, reference: try context.parameter("reference"), errors: []) }
        }
        router.post("/request/{reference}/code") { request, context in
            try await rendered(request) { try await identityCodePosted(request, context, reference: try context.parameter("reference")) }
        }
        router.get("/request/status") { request, _ in
            try await rendered(request) { try await statusForm(request, reference: "", email: "", errors: []) }
        }
        router.post("/request/status") { request, context in try await rendered(request) { try await statusPosted(request, context) } }
        router.post("/request/{reference}/status") { request, context in
            try await rendered(request) { try await statusCodePosted(request, context, reference: try context.parameter("reference")) }
        }
        router.get("/request/{reference}/bundle/{token}") { request, context in
            try await rendered(request) {
                try await bundleDownload(reference: try context.parameter("reference"), token: try context.parameter("token"))
            }
        }
    }

    // MARK: Pages

    func home(_ request: Request) async throws -> Response {
        try await page(
            "portal-home",
            request,
            title: "Your rights",
            context: ["rights": Self.forms.dropFirst().map { ["slug": $0.slug, "title": $0.title] }]
        )
    }

    /// The two pages that take an emailed code: confirming a new request, and opening a request's
    /// status. Each says the same for every code that does not work.
    enum CodePage: String {
        case identity = "portal-code"
        case status = "portal-status-code"

        var refusal: String {
            switch self {
            case .identity:
                "The code is not right, has expired, or has been locked after too many tries. Check the email, or ask the council for a new code"
            case .status: "The code is not right, has expired, or has been locked after too many tries. Go back to ask for a new one"
            }
        }
    }

    func codeForm(
        _ request: Request,
        reference: String,
        _ which: CodePage = .identity,
        errors: [(field: String, message: String)],
        status: HTTPResponse.Status = .ok
    )
        async throws -> Response
    {
        try Self.checkReference(reference)
        var context: [String: Any] = ["reference": reference, "minutes": "\(IdentityChallenge.lifetime / 60)"]
        for error in errors { context["\(error.field)Error"] = error.message }
        return try await page(which.rawValue, request, title: "Enter the code we emailed you", context: context, errors: errors, status: status)
    }

    /// A code page's answer: the form's token checked and the try counted against the caller's
    /// address before `use` sees the code; `use` returns the page a right code leads to, or nil,
    /// and the code page is shown again with its refusal.
    func codePosted(
        _ request: Request,
        _ context: StewardRequestContext,
        reference: String,
        _ which: CodePage,
        use: (String) async throws -> Response?
    ) async throws -> Response {
        try Self.checkReference(reference)
        let form = try await checkedForm(request, context)
        try await limiter.admit(context.caller(of: request, trustForwardedFor: console.trustForwardedFor), .verification)
        guard let code = form.text("code") else {
            return try await codeForm(
                request,
                reference: reference,
                which,
                errors: [("code", "Enter the code we emailed you")],
                status: .unprocessableContent
            )
        }
        if let page = try await use(String(code.prefix(20))) { return page }
        return try await codeForm(request, reference: reference, which, errors: [("code", which.refusal)], status: .unprocessableContent)
    }

    /// The emailed code confirms a new request: the confirmation with its due date.
    func identityCodePosted(_ request: Request, _ context: StewardRequestContext, reference: String) async throws -> Response {
        try await codePosted(request, context, reference: reference, .identity) { code in
            guard case .verified(let view) = try? await services.requests.verifyCode(code, for: .init(reference)) else { return nil }
            return try await page(
                "portal-confirmation",
                request,
                title: "Request received",
                context: ["reference": reference, "due": view.clock.due?.longDescription ?? "the date in the email we send you"]
            )
        }
    }

    // MARK: Status

    func statusForm(
        _ request: Request,
        reference: String,
        email: String,
        errors: [(field: String, message: String)],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var context: [String: Any] = ["reference": reference, "email": email]
        for error in errors { context["\(error.field)Error"] = error.message }
        return try await page("portal-status", request, title: "Check a request", context: context, errors: errors, status: status)
    }

    /// The reference and the address: a code goes to the address when they match a request, and
    /// the next page says the same whether or not they did.
    func statusPosted(_ request: Request, _ context: StewardRequestContext) async throws -> Response {
        let form = try await checkedForm(request, context)
        let reference = String((form.text("reference") ?? "").uppercased().prefix(20))
        let email = String((form.text("email") ?? "").prefix(254))
        var errors: [(field: String, message: String)] = []
        if reference.isEmpty {
            errors.append(("reference", "Enter your reference"))
        } else if (try? Self.checkReference(reference)) == nil {
            errors.append(("reference", "Enter the reference as it is in our email, like SR-AB12-CD34-EF56"))
        }
        if email.isEmpty { errors.append(("email", "Enter the email address you gave with the request")) }
        if !errors.isEmpty {
            return try await statusForm(request, reference: reference, email: email, errors: errors, status: .unprocessableContent)
        }
        try await limiter.admit(context.caller(of: request, trustForwardedFor: console.trustForwardedFor), .submission)
        try await limiter.admit(email.lowercased(), .address)
        try await services.requests.sendStatusCode(for: .init(reference), email: email)
        return try await codeForm(request, reference: reference, .status, errors: [])
    }

    /// The status code opens the request's page: where it stands and, when there is one, the
    /// bundle's link.
    func statusCodePosted(_ request: Request, _ context: StewardRequestContext, reference: String) async throws -> Response {
        try await codePosted(request, context, reference: reference, .status) { code in
            guard case .opened(let view, let token) = try? await services.requests.openStatus(code, for: .init(reference)) else { return nil }
            var details: [String: Any] = [
                "reference": reference, "kind": ConsoleController.sentence(view.request.kind.words),
                "received": view.request.received.longDescription, "state": Self.stateWords(view),
                "due": view.clock.due?.longDescription ?? "", "hasDue": view.clock.due != nil && !view.state.isClosed,
                "minutes": "\(StatusAccess.linkLifetime / 60)",
            ]
            if let token { details["bundle"] = "/request/\(reference)/bundle/\(token)" }
            return try await page("portal-status-page", request, title: "Your request", context: details)
        }
    }

    /// Where the request stands, in the resident's words.
    static func stateWords(_ view: RequestService.View) -> String {
        switch view.state {
        case .received, .inProgress: "We are working on it"
        case .awaitingIdentity: "We are waiting for you to confirm who you are"
        case .paused: "We have asked you for more information, and are waiting for your answer"
        case .completed: "Done"
        case .refused: "Refused: we have written to you with the reasons"
        case .withdrawn: "Withdrawn"
        }
    }

    /// The bundle, through the link the status page gave, while it works.
    func bundleDownload(reference: String, token: String) async throws -> Response {
        try Self.checkReference(reference)
        guard token.count <= 64, try await services.requests.admitsBundleLink(token, for: .init(reference)) else {
            throw StewardError(.notFound, "this download link has expired or is not right; check your request again to get a new one")
        }
        let archive = try await services.bundle(for: .init(reference), actor: "requester")
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/zip", .contentDisposition: "attachment; filename=\"\(reference).zip\"", .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: archive))
        )
    }

    // MARK: Forms and pages

    /// A portal form, its token checked against the cookie set with the page it came from.
    func checkedForm(_ request: Request, _ context: StewardRequestContext) async throws -> FormBody {
        let form = try await FormBody.read(request, context: context)
        guard let cookie = request.cookies[Self.formCookie]?.value, !cookie.isEmpty, let token = form["csrf"], Secret.equal(token, cookie) else {
            throw StewardError(.forbidden, "this form was not sent from this browser's page, so nothing was sent; open the page again and start over")
        }
        return form
    }

    /// A resident's reference: `SR-` and three groups of four; anything else is not one.
    static func checkReference(_ text: String) throws {
        guard text.wholeMatch(of: /SR-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/) != nil else {
            throw StewardError(.notFound, "there is no request with that reference")
        }
    }

    func page(
        _ name: String,
        _ request: Request,
        title: String,
        context extra: [String: Any],
        errors: [(field: String, message: String)] = [],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var context = try await console.layout(title: title, session: nil, errors: errors)
        context["service"] = Self.service
        context["home"] = "/"
        let token = request.cookies[Self.formCookie]?.value.nilIfEmpty ?? Secret.randomHex(bytes: 24)
        context["csrf"] = token
        for (key, value) in extra { context[key] = value }
        var response = try console.html(name, context, status: status)
        response.setCookie(Cookie(name: Self.formCookie, value: token, path: "/", secure: console.secure, httpOnly: true, sameSite: .strict))
        return response
    }

    /// Runs a page's work; an error becomes a page in the portal's words.
    func rendered(_ request: Request, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as StewardError {
            let heading =
                switch error.code {
                case .tooManyRequests: "Too many requests"
                case .notFound: "Page not found"
                case .forbidden: "This form has expired"
                case .unavailable: "Sorry, there is a problem with the service"
                default: "Sorry, something went wrong"
                }
            let message =
                switch error.code {
                case .tooManyRequests: "There have been too many requests from here or for this email address. Try again in an hour."
                case .internal: "Try again later."
                default: ConsoleController.sentence(error.message) + "."
                }
            var context: [String: Any] = ["heading": heading, "message": message, "next": ["href": "/", "text": "Go to the start"]]
            context["service"] = Self.service
            return try await page(
                "error",
                request,
                title: heading,
                context: context,
                status: ErrorMiddleware<StewardRequestContext>.status(for: error.code)
            )
        }
    }
}
