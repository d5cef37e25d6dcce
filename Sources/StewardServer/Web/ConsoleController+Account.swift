import Foundation
import HTTPTypes
import Hummingbird
import StewardApp
import StewardCore
import StewardStore

/// A member of staff's own account in the console: signing in (the form's token bound to a cookie
/// of its own, `StaffDirectory.signIn` counting every attempt), signing out, and choosing or
/// changing the password under `PasswordPolicy`.
extension ConsoleController {
    // MARK: Sign-in

    func signInPage(
        _ request: Request,
        email: String = "",
        errors: [(field: String, message: String)] = [],
        status: HTTPResponse.Status = .ok
    )
        async throws -> Response
    {
        // The form's token is bound to a cookie of its own (double submit): another site cannot
        // read it, and SameSite=Strict keeps the cookie from its requests.
        let token = request.cookies[Self.signInCookie]?.value.nilIfEmpty ?? Secret.randomHex(bytes: 24)
        var context = try await layout(title: "Sign in", session: nil, errors: errors)
        context["csrf"] = token
        context["email"] = email
        for error in errors { context["\(error.field)Error"] = error.message }
        if request.uri.queryParameters["ended"] != nil {
            context["notice"] = "Your session has ended. Sign in again to carry on."
        }
        var response = try html("console-sign-in", context, status: status)
        response.setCookie(
            Cookie(name: Self.signInCookie, value: token, path: "/console", secure: secure, httpOnly: true, sameSite: .strict)
        )
        return response
    }

    func signIn(_ request: Request, _ context: StewardRequestContext) async throws -> Response {
        let form = try await FormBody.read(request, context: context)
        guard let cookie = request.cookies[Self.signInCookie]?.value, !cookie.isEmpty, let token = form["csrf"], Secret.equal(token, cookie) else {
            return try await errorPage(
                .forbidden,
                heading: "This form has expired",
                message: "The sign-in form was not sent from this browser's page, so nothing was done. Open the sign-in page again.",
                session: nil,
                next: ("/console/sign-in", "Sign in")
            )
        }
        let email = form.text("email") ?? ""
        var errors: [(field: String, message: String)] = []
        if email.isEmpty { errors.append(("email", "Enter your email address")) }
        if form["password"]?.isEmpty ?? true { errors.append(("password", "Enter your password")) }
        if !errors.isEmpty { return try await signInPage(request, email: String(email.prefix(254)), errors: errors, status: .unprocessableContent) }
        let outcome = try await staff.signIn(
            email: String(email.prefix(254)),
            password: form["password"] ?? "",
            address: context.caller(of: request, trustForwardedFor: trustForwardedFor)
        )
        switch outcome {
        case .refused:
            return try await signInPage(
                request,
                email: String(email.prefix(254)),
                errors: [("email", "The email address or password is not right")],
                status: .unprocessableContent
            )
        case .throttled:
            return try await signInPage(
                request,
                email: String(email.prefix(254)),
                errors: [("email", "There have been too many attempts to sign in. Wait 15 minutes and try again")],
                status: .tooManyRequests
            )
        case .signedIn(let secret, let session):
            var response = Response.redirect(to: session.mustChoosePassword ? "/console/password" : "/console", type: .normal)
            response.setCookie(sessionCookie(secret))
            response.setCookie(cleared(Self.signInCookie))
            return response
        }
    }

    func signOut(_ signed: Signed) async throws -> Response {
        try await staff.signOut(secret: signed.secret, session: signed.session)
        var response = Response.redirect(to: "/console/sign-in", type: .normal)
        response.setCookie(cleared(Self.sessionCookie))
        return response
    }

    // MARK: Password

    func passwordPage(_ signed: Signed, errors: [(field: String, message: String)], status: HTTPResponse.Status = .ok) async throws -> Response {
        let choosing = signed.session.mustChoosePassword
        var context = try await layout(
            title: choosing ? "Choose a password" : "Change your password",
            session: signed.session,
            errors: errors,
            here: "password"
        )
        context["choosing"] = choosing
        for error in errors { context["\(error.field)Error"] = error.message }
        return try html("console-password", context, status: status)
    }

    func changePassword(_ signed: Signed) async throws -> Response {
        let form = signed.form
        var errors: [(field: String, message: String)] = []
        if !signed.session.mustChoosePassword, form["current"]?.isEmpty ?? true { errors.append(("current", "Enter your current password")) }
        let new = form["new"] ?? ""
        if new.isEmpty {
            errors.append(("new", "Enter a new password"))
        } else {
            do {
                try PasswordPolicy.check(new, email: signed.session.account.email, field: "new")
            } catch let error as StewardError {
                errors.append(("new", Self.sentence(error.message)))
            }
        }
        if !new.isEmpty, form["confirm"] != new { errors.append(("confirm", "The passwords do not match")) }
        if !errors.isEmpty { return try await passwordPage(signed, errors: errors, status: .unprocessableContent) }
        do {
            try await staff.changePassword(secret: signed.secret, session: signed.session, current: form["current"], new: new)
        } catch let error as StewardError where error.code == .invalidInput {
            return try await passwordPage(signed, errors: [(error.field ?? "new", Self.sentence(error.message))], status: .unprocessableContent)
        }
        return .redirect(to: "/console?password=1", type: .normal)
    }
}
