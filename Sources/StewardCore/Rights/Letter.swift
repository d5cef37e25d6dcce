/// The letters and emails a request produces. Each has a text and an HTML template the council can
/// edit; the text template's first line is the subject (`Subject: …`).
public enum LetterKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// We have your request, and when it is due.
    case acknowledgement
    /// Please confirm who you are: the emailed code, or the documents to send.
    case identityRequest = "identity_request"
    /// We need more information to find what you asked for; the clock stops until you answer.
    case clarification
    /// Two more months, and why (Art 12(3)).
    case `extension`
    /// We will not act on the request: reasons, the ICO, the courts (Art 12(4)).
    case refusal
    /// The request is done; for access, what the supplementary information says.
    case completion
    /// The code that opens a request's status page (and its bundle link) for the resident.
    case statusCode = "status_code"

    /// The letter sent when a request takes a change, if any.
    public static func sent(on change: RightsRequest.Change) -> LetterKind? {
        switch change {
        case .identityRequested: .identityRequest
        case .clarificationRequested: .clarification
        case .extended: .extension
        case .refused: .refusal
        case .completed: .completion
        default: nil
        }
    }
}

/// A letter ready to send: subject, text and HTML.
public struct RenderedLetter: Sendable, Hashable, Codable {
    public var kind: LetterKind
    public var subject: String
    public var text: String
    public var html: String

    public init(kind: LetterKind, subject: String, text: String, html: String) {
        self.kind = kind
        self.subject = subject
        self.text = text
        self.html = html
    }
}

/// Turns a letter kind and its context into a letter. The templates live outside the core.
public protocol LetterRendering: Sendable {
    func render(_ kind: LetterKind, context: LetterContext) throws -> RenderedLetter
}

/// Everything a letter template may use, as plain values.
public struct LetterContext: Sendable, Hashable, Codable {
    public struct Council: Sendable, Hashable, Codable {
        public var name: String
        public var address: String?
        public var email: String?
        public var phone: String?
        public var dpo: String?
    }

    public struct RequestInfo: Sendable, Hashable, Codable {
        public var reference: String
        public var kind: String
        public var kindTitle: String
        public var isAccess: Bool
        public var isCCTV: Bool
        public var isComplaint: Bool
        public var received: String
        public var description: String
        /// The deadline as a letter writes it; nil while paused.
        public var due: String?
        public var isExtended: Bool
        public var cctv: CCTVDetails?
    }

    public var council: Council
    public var requesterName: String
    /// "Dear Amy Pond", or "Hello" in an email whose address is not yet proved, which carries
    /// nothing the requester wrote.
    public var greeting: String
    public var representative: String?
    public var request: RequestInfo
    public var today: String
    /// The one-time code, only for the identity request sent by email.
    public var code: String?
    public var codeMinutes: Int
    /// Why: the clarification needed, the extension's reasons, the refusal's reasons.
    public var reasons: String?
    public var refusalGround: String?
    /// For completed access requests.
    public var supplementary: SupplementaryInformation?

    public init(
        request: RightsRequest,
        controller: Controller,
        reading: ClockReading,
        today: CalendarDate,
        code: String? = nil,
        reasons: String? = nil,
        refusalGround: RightsRequest.RefusalGround? = nil,
        supplementary: SupplementaryInformation? = nil
    ) {
        council = Council(
            name: controller.name,
            address: controller.address,
            email: controller.email,
            phone: controller.phone,
            dpo: controller.dpo?.summary
        )
        requesterName = request.requester.name
        greeting = code == nil ? "Dear \(request.requester.name)" : "Hello"
        representative = request.requester.representative.map { "\($0.relationship) (\($0.authority.title.lowercased()))" }
        self.request = RequestInfo(
            reference: request.id.rawValue,
            kind: request.kind.rawValue,
            kindTitle: request.kind.title,
            isAccess: request.kind == .access,
            isCCTV: request.kind == .cctvAccess,
            isComplaint: request.kind == .complaint,
            received: request.received.longDescription,
            description: request.description,
            due: reading.due?.longDescription,
            isExtended: reading.isExtended,
            cctv: request.cctv
        )
        self.today = today.longDescription
        self.code = code
        codeMinutes = Int(IdentityChallenge.lifetime / 60)
        self.reasons = reasons
        self.refusalGround = refusalGround.map {
            switch $0 {
            case .manifestlyUnfounded: "manifestly unfounded"
            case .excessive: "manifestly excessive"
            }
        }
        self.supplementary = supplementary
    }
}

extension RightsRequest.Kind {
    /// How a letter names the request.
    public var title: String {
        switch self {
        case .access: "request for a copy of your personal data"
        case .rectification: "request to correct your personal data"
        case .erasure: "request to erase your personal data"
        case .restriction: "request to restrict the use of your personal data"
        case .objection: "objection to the use of your personal data"
        case .cctvAccess: "request for CCTV footage of you"
        case .complaint: "data protection complaint"
        case .other: "data protection request"
        }
    }
}
