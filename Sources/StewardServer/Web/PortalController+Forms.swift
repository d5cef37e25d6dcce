import Foundation
import HTTPTypes
import Hummingbird
import StewardApp
import StewardCore

/// The portal's request forms, one per right, all through one form, one "check your answers" page
/// and `RightsRequest.Intake.request`, so each right is checked by the rules the API applies.
extension PortalController {
    /// A right as the portal offers it.
    struct RightForm: Sendable {
        var slug: String
        var kind: RightsRequest.Kind
        /// The start page's link, and the form's heading.
        var title: String
        var intro: String
        var descriptionLabel: String
        var descriptionHint: String
        /// The row's label on "check your answers".
        var descriptionCheck: String
        var isCCTV = false
    }

    static let forms: [RightForm] = [
        RightForm(
            slug: "access",
            kind: .access,
            title: "Ask for a copy of your data",
            intro: "We will email you a code to confirm the email address is yours. Your request starts when you enter it.",
            descriptionLabel: "What would you like a copy of?",
            descriptionHint: "For example, \u{201C}everything you hold about me\u{201D}, or the service and the dates you are interested in.",
            descriptionCheck: "What you would like a copy of"
        ),
        RightForm(
            slug: "correction",
            kind: .rectification,
            title: "Ask us to correct your data",
            intro: "If information we hold about you is wrong or incomplete, you can ask us to put it right.",
            descriptionLabel: "What is wrong, and what should it say?",
            descriptionHint: "Say which service holds it if you know, what it says now and what it should say.",
            descriptionCheck: "What should be corrected"
        ),
        RightForm(
            slug: "erasure",
            kind: .erasure,
            title: "Ask us to delete your data",
            intro:
                "You can ask us to delete information about you, for example when we no longer need it or you have withdrawn your consent. Some records we must keep by law; if so, we will tell you why.",
            descriptionLabel: "What would you like deleted, and why?",
            descriptionHint: "Say which service holds it if you know.",
            descriptionCheck: "What should be deleted, and why"
        ),
        RightForm(
            slug: "restriction",
            kind: .restriction,
            title: "Ask us to stop using your data for now",
            intro:
                "You can ask us to keep your information but not use it, for example while we check that it is right, or while you need it for a legal claim.",
            descriptionLabel: "What should we stop using, and why?",
            descriptionHint: "For example, \u{201C}my housing record while you check my address\u{201D}.",
            descriptionCheck: "What should not be used, and why"
        ),
        RightForm(
            slug: "objection",
            kind: .objection,
            title: "Object to how we use your data",
            intro:
                "You can object to some uses of your information, and always to direct marketing. We will stop unless we have compelling reasons, or the law requires it.",
            descriptionLabel: "Which use do you object to, and why?",
            descriptionHint: "Tell us about your situation: it helps us weigh your reasons.",
            descriptionCheck: "What you object to, and why"
        ),
        RightForm(
            slug: "cctv",
            kind: .cctvAccess,
            title: "Ask for CCTV footage of you",
            intro:
                "Tell us when and where, and what you looked like, so we can find you. We keep footage for about 30 days, so ask soon. Other people in it will be blurred.",
            descriptionLabel: "Anything else that would help us?",
            descriptionHint: "Optional.",
            descriptionCheck: "Anything else",
            isCCTV: true
        ),
        RightForm(
            slug: "complaint",
            kind: .complaint,
            title: "Complain about how we used your data",
            intro:
                "Tell us what happened. We will acknowledge your complaint within 30 days, look into it, keep you updated and tell you the outcome. You can also complain to the Information Commissioner's Office.",
            descriptionLabel: "What happened?",
            descriptionHint: "Say when, which service, and what you would like us to do.",
            descriptionCheck: "What happened"
        ),
    ]

    /// What a request form asks.
    struct Answers {
        static let fields = ["name", "email", "description", "date", "from", "until", "location", "person"]
        var values: [String: String] = [:]

        init() {}

        init(_ form: FormBody) {
            for field in Self.fields { values[field] = form.text(field).map { String($0.prefix(20_000)) } ?? "" }
        }

        subscript(_ field: String) -> String { values[field] ?? "" }

        var context: [String: Any] { values }

        /// The intake the answers make (not yet checked).
        func intake(_ form: RightForm) -> RightsRequest.Intake {
            // A date that does not parse leaves the details out, which the intake names as the date.
            let cctv =
                form.isCCTV
                ? CalendarDate(iso: self["date"]).map {
                    CCTVDetails(date: $0, from: self["from"], until: self["until"], location: self["location"], personDescription: self["person"])
                } : nil
            return RightsRequest.Intake(
                kind: form.kind,
                requester: Requester(name: self["name"], email: self["email"].isEmpty ? nil : self["email"]),
                description: self["description"],
                cctv: cctv
            )
        }
    }

    func requestForm(
        _ request: Request,
        _ form: RightForm,
        answers: Answers,
        errors: [(field: String, message: String)],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var context = answers.context
        context["form"] = [
            "slug": form.slug, "title": form.title, "intro": form.intro, "descriptionLabel": form.descriptionLabel,
            "descriptionHint": form.descriptionHint, "isCCTV": form.isCCTV,
        ]
        for error in errors { context["\(error.field)Error"] = error.message }
        return try await page("portal-request", request, title: form.title, context: context, errors: errors, status: status)
    }

    func requestPosted(_ request: Request, _ context: StewardRequestContext, _ form: RightForm) async throws -> Response {
        let body = try await checkedForm(request, context)
        let answers = Answers(body)
        if body["action"] == "change" { return try await requestForm(request, form, answers: answers, errors: []) }
        // Every problem at once, in the order of the form.
        var errors: [(field: String, message: String)] = []
        if answers["name"].isEmpty { errors.append(("name", "Enter your full name")) }
        if answers["email"].isEmpty { errors.append(("email", "Enter your email address")) }
        if form.isCCTV {
            if CalendarDate(iso: answers["date"]) == nil { errors.append(("date", "Enter the date of the footage, like 2026-11-27")) }
            if answers["from"].isEmpty { errors.append(("from", "Enter the time the footage starts")) }
            if answers["until"].isEmpty { errors.append(("until", "Enter the time the footage ends")) }
            if answers["location"].isEmpty { errors.append(("location", "Say where you were")) }
            if answers["person"].isEmpty { errors.append(("person", "Describe what you looked like")) }
        } else if answers["description"].isEmpty {
            errors.append(("description", "Enter \(form.descriptionLabel.lowercased().dropLast())"))
        }
        let intake = answers.intake(form)
        if errors.isEmpty {
            do {
                _ = try intake.request(id: .init("SR-CHECK"), fromPublic: true, today: services.today())
            } catch let error as StewardError where error.code == .invalidInput {
                errors.append((Self.formField(error.field), ConsoleController.sentence(error.message)))
            }
        }
        if !errors.isEmpty { return try await requestForm(request, form, answers: answers, errors: errors, status: .unprocessableContent) }
        guard body["action"] == "send" else {
            var check = answers.context
            check["form"] = ["slug": form.slug, "descriptionCheck": form.descriptionCheck, "isCCTV": form.isCCTV, "title": form.title]
            check["hasDescription"] = !answers["description"].isEmpty
            if let date = CalendarDate(iso: answers["date"]) { check["dateLong"] = date.longDescription }
            return try await page("portal-check", request, title: "Check your answers", context: check)
        }
        let caller = context.caller(of: request, trustForwardedFor: console.trustForwardedFor)
        try await limiter.admit(caller, .submission)
        try await limiter.admit(answers["email"].lowercased(), .address)
        let view = try await services.requests.submit(intake, actor: "public", fromPublic: true)
        return .redirect(to: "/request/\(view.request.id.rawValue)/code", type: .normal)
    }

    /// The form's name for a field of the intake.
    static func formField(_ field: String?) -> String {
        switch field {
        case "requester.name": "name"
        case "requester.email": "email"
        case "cctv", "cctv.date": "date"
        case "cctv.from": "from"
        case "cctv.until": "until"
        case "cctv.location": "location"
        case "cctv.personDescription": "person"
        default: "description"
        }
    }
}
