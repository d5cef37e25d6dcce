import Foundation
import HTTPTypes
import Hummingbird
import StewardApp
import StewardCore
import StewardFiles
import StewardStore

/// The staff console under `/console`: sign-in, sign-out, password, and the dashboard. Each page is
/// registered with the roles it admits (a `RoutePolicy`, as API routes are), so no page can be
/// added without saying who may see it. Every page
/// but sign-in needs a session cookie whose account has one of the page's roles; every form carries
/// the session's CSRF token (sign-in's form a token bound to a cookie of its own). Errors are pages,
/// with an error summary linking to each field at fault.
struct ConsoleController {
    let services: StewardServices
    let pages: WebPages
    let trustForwardedFor: Bool
    let logo: Data?
    /// Runs the access searches staff start from a request's page.
    let runner: AccessRunner

    static let sessionCookie = "steward_session"
    static let signInCookie = "steward_sign_in"
    static let service = "Staff console"

    var secure: Bool { services.configuration.web.secure }
    var staff: StaffDirectory { services.staff }

    /// Everyone with a staff account who may see requests: the DPO, caseworkers and auditors.
    static let dashboardReaders: Set<Role> = [.dpo, .caseworker, .auditor]
    /// Every role a member of staff can have.
    static let anyStaff: Set<Role> = [.dpo, .caseworker, .auditor]

    typealias Handler = @Sendable (Request, StewardRequestContext, Signed) async throws -> Response
    /// Registers a page: its method, path, the roles it admits, the largest upload it takes (nil
    /// for none), and its handler. Each part of the console registers its pages through one.
    typealias PageRegistrar = (HTTPRequest.Method, String, Set<Role>, Int?, @escaping Handler) -> Void

    /// A request from a signed-in member of staff.
    struct Signed: Sendable {
        var session: StaffSession
        var secret: String
        /// The submitted form of a POST, its CSRF token already checked.
        var form: FormBody
    }

    @discardableResult
    func register(on router: Router<StewardRequestContext>) -> [RoutePolicy] {
        var policies: [RoutePolicy] = []
        func page(_ method: HTTPRequest.Method, _ path: String, roles: Set<Role>, uploadLimit: Int? = nil, _ handler: @escaping Handler) {
            policies.append(RoutePolicy(method: method, path: path, roles: roles))
            router.on(RouterPath(path), method: method) { request, context in
                try await rendered(request) {
                    try await signedIn(request, context, method: method, roles: roles, uploadLimit: uploadLimit, handler)
                }
            }
        }
        router.get("/console/sign-in") { request, _ in try await rendered(request) { try await signInPage(request) } }
        router.post("/console/sign-in") { request, context in try await rendered(request) { try await signIn(request, context) } }
        page(.get, "/console", roles: Self.dashboardReaders) { request, _, signed in
            try await dashboard(signed, passwordChanged: request.uri.queryParameters["password"] != nil)
        }
        page(.post, "/console/sign-out", roles: Self.anyStaff) { _, _, signed in try await signOut(signed) }
        page(.get, "/console/password", roles: Self.anyStaff) { _, _, signed in try await passwordPage(signed, errors: []) }
        page(.post, "/console/password", roles: Self.anyStaff) { _, _, signed in try await changePassword(signed) }
        page(.get, "/console/requests", roles: .requestReaders) { request, _, signed in try await requestsPage(request, signed) }
        page(.get, "/console/requests/{id}", roles: .requestReaders) { request, context, signed in
            try await requestPage(request, try context.parameter("id"), signed)
        }
        page(.get, "/console/requests/{id}/change/{change}", roles: .requestWorkers) { _, context, signed in
            try await changePage(try context.parameter("id"), try Self.action(try context.parameter("change")), signed)
        }
        page(.post, "/console/requests/{id}/change/{change}", roles: .requestWorkers) { _, context, signed in
            try await changePosted(try context.parameter("id"), try Self.action(try context.parameter("change")), signed)
        }
        page(.post, "/console/requests/{id}/tasks/{system}", roles: .requestWorkers) { _, context, signed in
            try await taskPosted(try context.parameter("id"), system: try context.parameter("system"), signed)
        }
        page(.post, "/console/requests/{id}/run", roles: .requestWorkers) { _, context, signed in
            try await runPosted(try context.parameter("id"), signed)
        }
        page(.get, "/console/requests/{id}/run", roles: .requestReaders) { request, context, signed in
            try await runPage(request, try context.parameter("id"), signed)
        }
        page(.get, "/console/requests/{id}/run/progress", roles: .requestReaders) { _, context, _ in
            try await runProgress(try context.parameter("id"))
        }
        page(.get, "/console/requests/{id}/bundle", roles: .requestWorkers) { _, context, signed in
            try await bundleDownload(try context.parameter("id"), signed)
        }
        page(.get, "/console/audit", roles: .auditReaders) { _, _, signed in try await auditPage(signed, result: nil) }
        page(.post, "/console/audit/verify", roles: .auditReaders) { _, _, signed in
            try await auditPage(signed, result: try await services.store.verifyAndRecordAudit(actor: signed.session.account.actor))
        }
        page(.get, "/console/audit/export", roles: .auditReaders) { _, _, signed in
            let text = try await AuditController.export(services.store, actor: signed.session.account.actor)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/x-ndjson; charset=utf-8", .cacheControl: "no-store",
                    .contentDisposition: "attachment; filename=\"steward-audit-\(services.today()).jsonl\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: text))
            )
        }
        let registrar: PageRegistrar = { method, path, roles, uploadLimit, handler in
            page(method, path, roles: roles, uploadLimit: uploadLimit, handler)
        }
        newRequestPages(registrar)
        dataMapPages(registrar)
        gatePages(registrar)
        peoplePages(registrar)
        sourcePages(registrar)
        changePages(registrar)
        router.get("/assets/steward.css") { _, _ in
            asset(pages.stylesheet, type: "text/css; charset=utf-8")
        }
        router.get("/assets/progress.js") { _, _ in
            asset(pages.progressScript, type: "text/javascript; charset=utf-8")
        }
        router.get("/assets/council.css") { _, _ in
            asset(":root { --council-colour: \(services.configuration.web.colour); }\n", type: "text/css; charset=utf-8")
        }
        if let logo {
            let type = services.configuration.web.logoFile?.lowercased().hasSuffix(".svg") == true ? "image/svg+xml" : "image/png"
            router.get("/assets/logo") { _, _ in
                var response = Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: logo)))
                response.headers[.cacheControl] = "public, max-age=3600"
                return response
            }
        }
        return policies
    }

    func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    // MARK: Sessions

    /// Runs `handler` for a signed-in member of staff with one of `roles`, or answers as a browser
    /// needs: no session (or one that has ended) goes to sign-in; the wrong role is a 403 page; a
    /// POST whose CSRF token is not the session's is a 403 page and changes nothing; an account
    /// still on its setup code sees only the password page.
    func signedIn(
        _ request: Request,
        _ context: StewardRequestContext,
        method: HTTPRequest.Method,
        roles: Set<Role>,
        uploadLimit: Int? = nil,
        _ handler: Handler
    ) async throws -> Response {
        let secret = request.cookies[Self.sessionCookie]?.value
        guard let secret, let session = try await staff.session(secret: secret) else {
            var response = Response.redirect(to: secret == nil ? "/console/sign-in" : "/console/sign-in?ended=1", type: .normal)
            if secret != nil { response.setCookie(cleared(Self.sessionCookie)) }
            return response
        }
        guard roles.contains(session.account.role) else {
            return try await errorPage(
                .forbidden,
                heading: "You cannot see this page",
                message: "Your account's role (\(session.account.role.rawValue)) does not allow this. Ask the DPO if you need it.",
                session: session,
                next: ("/console", "Go to the dashboard")
            )
        }
        var form = FormBody(fields: [:])
        if method == .post {
            form = try await FormBody.read(request, context: context, uploadLimit: uploadLimit)
            guard let token = form["csrf"], Secret.equal(token, session.csrf) else {
                return try await errorPage(
                    .forbidden,
                    heading: "This form has expired",
                    message: "The form was not sent from this session, so nothing was changed. Go back, reload the page and try again.",
                    session: session,
                    next: ("/console", "Go to the dashboard")
                )
            }
        }
        if session.mustChoosePassword, request.uri.path != "/console/password", request.uri.path != "/console/sign-out" {
            return .redirect(to: "/console/password", type: .normal)
        }
        return try await handler(request, context, Signed(session: session, secret: secret, form: form))
    }

    func sessionCookie(_ secret: String) -> Cookie {
        Cookie(
            name: Self.sessionCookie,
            value: secret,
            maxAge: services.configuration.web.sessionHours * 3600,
            path: "/console",
            secure: secure,
            httpOnly: true,
            sameSite: .strict
        )
    }

    func cleared(_ name: String) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/console", secure: secure, httpOnly: true, sameSite: .strict)
    }

    // MARK: Dashboard

    func dashboard(_ signed: Signed, passwordChanged: Bool) async throws -> Response {
        let today = services.today()
        let open = try await services.requests.list(states: RightsRequest.State.open, today: today)
        let weeks = try await services.requests.weeklyActivity(weeks: 8, today: today)
        var context = try await layout(title: "Rights requests", session: signed.session, errors: [], here: "dashboard")
        context["roleName"] = signed.session.account.role.rawValue
        if passwordChanged { context["notice"] = "Your password has been changed. Other sessions of your account have ended." }
        context["hasOpen"] = !open.isEmpty
        context["open"] = open.map(Self.row)
        context["counts"] = [
            "overdue": "\(open.filter(\.overdue).count)",
            "week": "\(open.filter { !$0.overdue && $0.state != .paused && (0...7).contains($0.daysLeft ?? -1) }.count)",
            "open": "\(open.count)",
            "paused": "\(open.filter { $0.state == .paused }.count)",
        ]
        context["chart"] = WeeklyChart.html(weeks)
        return try html("console-dashboard", context)
    }

    // MARK: Audit

    func auditPage(_ signed: Signed, result: AuditVerifier.Result?) async throws -> Response {
        var context = try await layout(title: "Audit log", session: signed.session, errors: [], here: "audit")
        let store = services.store
        if let last = try await store.lastAuditVerification() {
            context["last"] = [
                "time": Self.readableTime(last.time), "actor": last.actor, "intact": last.result.isIntact, "upTo": "\(last.result.lastSeq)",
                "bad": last.result.firstBad?.description ?? "",
            ]
        }
        let checkpoints = try await store.auditCheckpoints(limit: 10)
        context["checkpointCount"] = "\(checkpoints.count)"
        context["hasCheckpoints"] = !checkpoints.newest.isEmpty
        context["checkpoints"] = checkpoints.newest.map { checkpoint -> [String: String] in
            [
                "seq": "\(checkpoint.seq)", "signed": Self.readableTime(checkpoint.signedAt), "key": String(checkpoint.publicKey.prefix(16)),
                "hash": String(checkpoint.hash.prefix(16)),
            ]
        }
        context["publicKey"] = store.signingPublicKey
        if let result {
            context["result"] = [
                "intact": result.isIntact, "entries": "\(result.entriesChecked)", "checkpoints": "\(result.checkpointsChecked)",
                "last": "\(result.lastSeq)", "hash": result.lastHash, "bad": result.firstBad.map(\.description) ?? "",
            ]
        }
        return try html("console-audit", context)
    }

    // MARK: Rendering

    /// What every page's layout needs: the council, the service, who is signed in, the errors.
    /// - Parameter here: the navigation's name for this page (`dashboard`, `requests`, `audit`, `password`).
    func layout(title: String, session: StaffSession?, errors: [(field: String, message: String)], here: String? = nil) async throws -> [String: Any]
    {
        let controller = try? await services.dataMaps.current()?.dataMap.controller
        var context: [String: Any] = [
            "title": title, "service": Self.service, "home": "/console",
            "council": controller?.name ?? services.configuration.controller?.name ?? "Steward",
            "hasErrors": !errors.isEmpty, "errors": errors.map { ["field": $0.field, "message": $0.message] }, "logo": logo != nil,
        ]
        if let here { context["here"] = [here: true] }
        if let ico = controller?.icoRegistration { context["ico"] = ico }
        if let session {
            let role = session.account.role
            // Only the pages the role may open, and none while a password must be chosen.
            context["staff"] = [
                "email": session.account.email, "csrf": session.csrf, "navigation": !session.mustChoosePassword,
                "requests": Self.dashboardReaders.contains(role), "audit": Set<Role>.auditReaders.contains(role),
                "people": Set<Role>.subjectWriters.contains(role), "dataMap": Set<Role>.dataMapReaders.contains(role),
                "gate": Set<Role>.auditReaders.contains(role), "sources": Set<Role>.sourceReaders.contains(role),
                "outbox": Set<Role>.requestWorkers.contains(role),
            ]
            context["csrf"] = session.csrf
        }
        return context
    }

    func html(_ name: String, _ context: [String: Any], status: HTTPResponse.Status = .ok) throws -> Response {
        let page = try pages.render(name, context)
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: page))
        )
    }

    func errorPage(
        _ status: HTTPResponse.Status,
        heading: String,
        message: String,
        session: StaffSession?,
        next: (href: String, text: String)?
    ) async throws -> Response {
        var context = try await layout(title: heading, session: session, errors: [])
        context["heading"] = heading
        context["message"] = message
        if let next { context["next"] = ["href": next.href, "text": next.text] }
        return try html("error", context, status: status)
    }

    /// Runs a page's work; an error becomes a page, never JSON, and says nothing Steward's own
    /// logs should not.
    func rendered(_ request: Request, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as StewardError {
            let status = ErrorMiddleware<StewardRequestContext>.status(for: error.code)
            let heading =
                switch error.code {
                case .unavailable: "Sorry, there is a problem with the service"
                case .malformedInput, .unsupportedMediaType, .invalidInput: "The form could not be read"
                default: "Sorry, something went wrong"
                }
            let message =
                error.code == .internal ? "Try again later. If it keeps happening, tell the DPO the time it happened." : Self.sentence(error.message)
            return try await errorPage(status, heading: heading, message: message, session: nil, next: ("/console", "Go to the dashboard"))
        } catch let error as any HTTPResponseError {
            let message =
                error.status == .contentTooLarge
                ? "The form sent more than this page takes. Go back and shorten what you typed, or choose a smaller file."
                : error.status.reasonPhrase
            return try await errorPage(error.status, heading: "The form could not be read", message: message, session: nil, next: nil)
        }
    }

    /// A message as a sentence: capital first letter.
    static func sentence(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
