import StewardCore
import Yams

/// Reads one YAML file into plain values with their lines, collecting every problem instead of
/// stopping at the first, so a person fixing a data map sees them all at once.
struct YAMLReader {
    let file: String
    var issues: [StewardError.Issue] = []

    init(file: String) {
        self.file = file
    }

    /// Parses the text; nil (with an issue) when it is not YAML.
    mutating func root(_ text: String) -> Node? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                issues.append(.init(file: file, line: 1, message: "the file is empty"))
                return nil
            }
            return node
        } catch let error as YamlError {
            var line: Int?
            switch error {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): line = mark.line
            default: break
            }
            issues.append(.init(file: file, line: line, message: "not valid YAML: \(Self.shortDescription(of: error))"))
            return nil
        } catch {
            issues.append(.init(file: file, message: "not valid YAML: \(error)"))
            return nil
        }
    }

    static func shortDescription(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _), .composer(let context, let problem, _, _):
            return [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        default:
            return "\(error)"
        }
    }

    static func line(of node: Node) -> Int { node.mark?.line ?? 0 }

    mutating func report(_ node: Node?, _ path: String, _ message: String, line: Int? = nil) {
        issues.append(.init(file: file, line: line ?? node.map(Self.line) ?? 0, field: path, message: message))
    }

    /// The members of a mapping, with an issue when the node is something else. When `allowed` is
    /// given, a key outside it is reported, which catches misspelt keys. A key whose value is null
    /// (`null`, `~` or nothing) is taken as absent, as Fides writes every optional key it has no
    /// value for when asked to include them.
    mutating func mapping(_ node: Node, _ path: String, allowed: Set<String>? = nil) -> Members? {
        guard case .mapping(let mapping) = node else {
            report(node, path, "expected a mapping of keys to values")
            return nil
        }
        var members = Members(line: Self.line(of: node), path: path)
        for (key, value) in mapping {
            guard let name = key.string else {
                report(key, path, "keys must be plain strings")
                continue
            }
            if let allowed, !allowed.contains(name) {
                report(
                    key,
                    path.isEmpty ? name : "\(path).\(name)",
                    "unknown key '\(name)'; expected one of \(allowed.sorted().joined(separator: ", "))"
                )
            }
            if !Self.isNull(value) { members.values[name] = value }
        }
        return members
    }

    /// True for YAML's null written plain: `null`, `Null`, `NULL`, `~` or no value at all.
    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The items of a sequence, with an issue when the node is something else.
    mutating func sequence(_ node: Node, _ path: String) -> [Node] {
        guard case .sequence(let sequence) = node else {
            report(node, path, "expected a list")
            return []
        }
        return Array(sequence)
    }

    /// A scalar member as text; reports a missing required member or a non-scalar.
    mutating func string(_ members: Members, _ key: String, required: Bool = true) -> Located<String>? {
        let path = members.path(key)
        guard let node = members.values[key] else {
            if required { report(nil, path, "missing required field '\(key)'", line: members.line) }
            return nil
        }
        guard case .scalar(let scalar) = node else {
            report(node, path, "expected a single value, not a list or mapping")
            return nil
        }
        if scalar.string.isEmpty || scalar.string == "null" || scalar.string == "~" {
            if required { report(node, path, "missing required field '\(key)'") }
            return nil
        }
        return Located(scalar.string, line: Self.line(of: node), path: path)
    }

    /// A list of scalars; an absent member is an empty list.
    mutating func strings(_ members: Members, _ key: String, required: Bool = false) -> [Located<String>] {
        let path = members.path(key)
        guard let node = members.values[key] else {
            if required { report(nil, path, "missing required field '\(key)'", line: members.line) }
            return []
        }
        var result: [Located<String>] = []
        for (index, item) in sequence(node, path).enumerated() {
            guard case .scalar(let scalar) = item else {
                report(item, "\(path)[\(index)]", "expected a single value")
                continue
            }
            result.append(Located(scalar.string, line: Self.line(of: item), path: "\(path)[\(index)]"))
        }
        return result
    }

    /// A boolean member; absent is false.
    mutating func bool(_ members: Members, _ key: String) -> Bool {
        guard let node = members.values[key] else { return false }
        guard let value = node.bool else {
            report(node, members.path(key), "expected true or false")
            return false
        }
        return value
    }

    /// A mapping's members by name, with the mapping's own line and path.
    struct Members {
        var line: Int
        var path: String
        var values: [String: Node] = [:]

        func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    }
}
