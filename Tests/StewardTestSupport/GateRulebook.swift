public import Foundation
public import StewardCore

/// docs/GATE.md read as the gate's specification: its table of rules, its table of justification
/// kinds, and its worked examples, each a person as given, a request as sent to
/// `POST /api/v1/decisions`, and the answer. The gate tests run every example through `Gate.decide`
/// and through the HTTP API, so the document and the gate cannot drift apart.
public enum GateRulebook {
    public static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/GATE.md")

    /// One row of the rules table.
    public struct Rule: Sendable, Hashable {
        public var id: String
        public var title: String
    }

    /// The person an example is about, as `POST /api/v1/subjects` takes them, with their
    /// preferences as `POST /api/v1/subjects/{id}/preferences` takes them.
    public struct Given: Codable, Sendable {
        public var identifiers: [Subject.Identifier]
        public var dateOfBirth: String?
        public var adultAtRisk: Bool?
        public var verifiedEmails: [String]?
        /// Each may carry `withdrawn`: the preference is recorded, then withdrawn on that day.
        public var preferences: [Preference.Draft]?

        /// The subject-creating body, without the preferences.
        public var subjectBody: Data {
            var copy = self
            copy.preferences = nil
            return try! JSONEncoder().encode(copy)
        }
    }

    /// What the gate answered: a decision, or an error naming the field.
    public struct Answer: Codable, Sendable, Equatable, CustomStringConvertible {
        public struct Failure: Codable, Sendable, Equatable {
            public var code: String
            public var field: String?
            public var message: String

            public init(code: String, field: String?, message: String) {
                self.code = code
                self.field = field
                self.message = message
            }
        }

        public var allowed: Bool?
        public var basis: [String]?
        public var obligations: [Obligation]?
        public var reasons: [String]?
        public var error: Failure?

        public init(allowed: Bool, basis: [String], obligations: [Obligation], reasons: [String]) {
            self.allowed = allowed
            self.basis = basis
            self.obligations = obligations
            self.reasons = reasons
        }

        public init(error: Failure) {
            self.error = error
        }

        public init(_ decision: Decision) {
            self.init(allowed: decision.allowed, basis: decision.basis, obligations: decision.obligations, reasons: decision.reasons)
        }

        public init(_ error: StewardError) {
            self.init(error: Failure(code: error.code.rawValue, field: error.field, message: error.message))
        }

        /// The answer as the document writes it, to paste when the gate's answer is the right one.
        public var description: String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try! encoder.encode(self), as: UTF8.self)
        }
    }

    /// One worked example.
    public struct Example: Sendable, CustomStringConvertible {
        public var rule: String
        public var title: String
        public var given: Given?
        public var request: Data
        public var answer: Answer

        public var description: String { "\(rule): \(title)" }
    }

    public struct Document: Sendable {
        public var rules: [Rule]
        /// Each justification type with the fields the table says it needs.
        public var justifications: [String: [String]]
        public var examples: [Example]
    }

    public static func document() throws -> Document {
        try parse(String(contentsOf: url, encoding: .utf8))
    }

    /// The examples, for parameterised tests (which cannot throw while listing their arguments).
    public static var examples: [Example] { (try? document().examples) ?? [] }

    static func parse(_ text: String) throws -> Document {
        var rules: [Rule] = []
        var justifications: [String: [String]] = [:]
        var examples: [Example] = []
        var section = ""
        var rule = ""
        var title = ""
        var given: Given?
        var request: Data?
        var block: (kind: String, lines: [String])?
        for line in text.components(separatedBy: "\n") {
            if var open = block {
                if line == "```" {
                    let data = Data(open.lines.joined(separator: "\n").utf8)
                    switch open.kind {
                    case "given": given = try JSONDecoder().decode(Given.self, from: data)
                    case "request": request = data
                    default:
                        guard let sent = request else { throw RulebookError("an answer without a request under \(rule)") }
                        let answer = try JSONDecoder().decode(Answer.self, from: data)
                        examples.append(Example(rule: rule, title: title, given: given, request: sent, answer: answer))
                        given = nil
                        request = nil
                    }
                    block = nil
                } else {
                    open.lines.append(line)
                    block = open
                }
                continue
            }
            if line.hasPrefix("## ") {
                section = String(line.dropFirst(3))
            } else if line.hasPrefix("### `") {
                rule = line.dropFirst(5).prefix { $0 != "`" }.description
            } else if line.hasPrefix("```json ") {
                block = (String(line.dropFirst(8)), [])
            } else if line.hasPrefix("**") {
                title = line
            } else if line.hasPrefix("| `") {
                let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                let key = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
                if section.hasPrefix("Rules") {
                    rules.append(Rule(id: key, title: cells[1]))
                } else if section.hasPrefix("Justifications") {
                    justifications[key] = cells[1].components(separatedBy: ",").map {
                        $0.trimmingCharacters(in: CharacterSet(charactersIn: "` "))
                    }
                }
            }
        }
        return Document(rules: rules, justifications: justifications, examples: examples)
    }

    struct RulebookError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The gate's answer to an example, through `Gate.decide` on `map`: the request decoded as the
    /// API decodes it, the person and their preferences as given, decided as on its `asOf`.
    public static func decide(_ example: Example, map: DataMap, taxonomy: Taxonomy = .builtin) -> Answer {
        do {
            let body = try StewardError.decodingInput(DecisionBody.self, from: example.request)
            let (request, _) = try body.request(actor: "token:docs")
            guard let asOf = try body.whatIfDate() else { throw RulebookError("every example gives asOf") }
            let index = GateIndex(dataMap: map, taxonomy: taxonomy)
            try request.checkKnown(in: index, taxonomy: taxonomy)
            var subject: Subject?
            var preferences: [Preference] = []
            if let given = example.given {
                subject = Subject(
                    id: "example",
                    identifiers: given.identifiers,
                    dateOfBirth: try CalendarDate(field: "dateOfBirth", given.dateOfBirth),
                    isAdultAtRisk: given.adultAtRisk ?? false,
                    verifiedEmails: given.verifiedEmails ?? []
                )
                for (index, var draft) in (given.preferences ?? []).enumerated() {
                    let withdrawn = try CalendarDate(field: "withdrawn", draft.withdrawn)
                    draft.withdrawn = nil
                    var preference = try draft.validated(id: .init("p\(index)"), in: map, today: asOf)
                    if let withdrawn { preference = try preference.withdrawn(on: withdrawn, noticeGiven: nil) }
                    preferences.append(preference)
                }
            }
            let context = GateContext(
                dataMap: map,
                taxonomy: taxonomy,
                adequacy: .ukDefault,
                today: asOf,
                subject: subject,
                preferences: preferences,
                index: index
            )
            return Answer(Gate.decide(request, context: context))
        } catch let error as StewardError {
            return Answer(error)
        } catch {
            return Answer(error: .init(code: "test", field: nil, message: "\(error)"))
        }
    }
}
