/// Whether a person may object to processing, by its lawful basis: one rule for the gate's
/// decisions and for objection requests run in the council's sources.
public enum ObjectionRight: Sendable, Hashable {
    /// Public task 6(1)(e) or legitimate interests 6(1)(f): processing stops unless the council has
    /// compelling legitimate grounds or needs it for legal claims (UK GDPR Art 21(1)).
    case applies
    /// Legal obligation 6(1)(c): there is no right to object (Art 21(1) does not reach it).
    case excluded
    /// Other bases (consent, contract, vital interests): the right to object is not the route;
    /// consent is withdrawn instead (Art 7(3)).
    case notApplicable
}

extension LawfulBasis {
    /// The right to object to processing on this basis (UK GDPR Art 21(1)).
    public var objectionRight: ObjectionRight {
        switch self {
        case .publicTask, .legitimateInterests: .applies
        case .legalObligation: .excluded
        default: .notApplicable
        }
    }
}
