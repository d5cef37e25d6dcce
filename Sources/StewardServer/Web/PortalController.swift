import Foundation
import HTTPTypes
import Hummingbird
import StewardApp
import StewardCore
import StewardFiles

/// The resident portal under `/`, for people with no account: the rights explained, and a request
/// for a copy of one's data — the form, "check your answers", the emailed code, and the confirmation
/// with the reference and the date the answer is due. It submits through the same
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
        router.get("/request/access") { request, _ in try await rendered(request) { try await accessForm(request, answers: .init(), errors: []) } }
        router.post("/request/access") { request, context in try await rendered(request) { try await accessPosted(request, context) } }
        router.get("/request/{reference}/code") { request, context in
            try await rendered(request) { try await codeForm(request, reference: try context.parameter("reference"), errors: []) }
        }
        router.post("/request/{reference}/code") { request, context in
            try await rendered(request) { try await codePosted(request, context, reference: try context.parameter("reference")) }
        }
    }

    /// What the access form asks.
    struct Answers {
        var name = ""
        var email = ""
        var description = ""

        init() {}

        init(_ form: FormBody) {
            name = form.text("name") ?? ""
            email = form.text("email") ?? ""
            description = form.text("description") ?? ""
        }

        var context: [String: Any] { ["name": name, "email": email, "description": description] }
    }

    // MARK: Pages

    func home(_ request: Request) async throws -> Response {
        try await page("portal-home", request, title: "Your rights", context: [:])
    }

    func accessForm(
        _ request: Request,
        answers: Answers,
        errors: [(field: String, message: String)],
        status: HTTPResponse.Status = .ok
    )
        async throws -> Response
    {
        var context = answers.context
        for error in errors { context["\(error.field)Error"] = error.message }
        return try await page("portal-access", request, title: "Ask for a copy of your data", context: context, errors: errors, status: status)
    }

    func accessPosted(_ request: Request, _ context: StewardRequestContext) async throws -> Response {
        let form = try await checkedForm(request, context)
        let answers = Answers(form)
        if form["action"] == "change" { return try await accessForm(request, answers: answers, errors: []) }
        let intake = RightsRequest.Intake(
            kind: .access,
            requester: Requester(name: answers.name, email: answers.email.isEmpty ? nil : answers.email),
            description: answers.description
        )
        // Every problem at once, in the order of the form.
        var errors: [(field: String, message: String)] = []
        if answers.name.isEmpty { errors.append(("name", "Enter your full name")) }
        if answers.email.isEmpty { errors.append(("email", "Enter your email address")) }
        if answers.description.isEmpty { errors.append(("description", "Say what you would like a copy of")) }
        if errors.isEmpty {
            do {
                _ = try intake.request(id: .init("SR-CHECK"), fromPublic: true, today: services.today())
            } catch let error as StewardError where error.code == .invalidInput {
                errors.append((Self.formField(error.field), ConsoleController.sentence(error.message)))
            }
        }
        if !errors.isEmpty { return try await accessForm(request, answers: answers, errors: errors, status: .unprocessableContent) }
        guard form["action"] == "send" else {
            return try await page("portal-check", request, title: "Check your answers", context: answers.context)
        }
        let caller = context.caller(of: request, trustForwardedFor: console.trustForwardedFor)
        try await limiter.admit(caller, .submission)
        try await limiter.admit(answers.email.lowercased(), .address)
        let view = try await services.requests.submit(intake, actor: "public", fromPublic: true)
        return .redirect(to: "/request/\(view.request.id.rawValue)/code", type: .normal)
    }

    func codeForm(
        _ request: Request,
        reference: String,
        errors: [(field: String, message: String)],
        status: HTTPResponse.Status = .ok
    )
        async throws -> Response
    {
        try Self.checkReference(reference)
        var context: [String: Any] = ["reference": reference, "minutes": "\(IdentityChallenge.lifetime / 60)"]
        for error in errors { context["\(error.field)Error"] = error.message }
        return try await page("portal-code", request, title: "Enter the code we emailed you", context: context, errors: errors, status: status)
    }

    func codePosted(_ request: Request, _ context: StewardRequestContext, reference: String) async throws -> Response {
        try Self.checkReference(reference)
        let form = try await checkedForm(request, context)
        try await limiter.admit(context.caller(of: request, trustForwardedFor: console.trustForwardedFor), .verification)
        guard let code = form.text("code") else {
            return try await codeForm(
                request,
                reference: reference,
                errors: [("code", "Enter the code we emailed you")],
                status: .unprocessableContent
            )
        }
        // The same answer whether the reference exists, the code is wrong, old or locked.
        let refused =
            "The code is not right, has expired, or has been locked after too many tries. Check the email, or ask the council for a new code"
        let result = try? await services.requests.verifyCode(String(code.prefix(20)), for: .init(reference))
        guard case .verified(let view) = result else {
            return try await codeForm(request, reference: reference, errors: [("code", refused)], status: .unprocessableContent)
        }
        return try await page(
            "portal-confirmation",
            request,
            title: "Request received",
            context: ["reference": reference, "due": view.clock.due?.longDescription ?? "the date in the email we send you"]
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

    /// The form's name for a field of the intake.
    static func formField(_ field: String?) -> String {
        switch field {
        case "requester.name": "name"
        case "requester.email": "email"
        default: "description"
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
