public import Foundation
import Mustache
public import StewardCore

/// The letter templates: Steward's own, with any the council keeps in its letters folder replacing
/// them file by file. Each letter kind has `KIND.txt.mustache`, whose first line is
/// `Subject: …`, and `KIND.html.mustache`; HTML templates may include the `layout-top.html` and
/// `layout-bottom.html` partials.
public struct LetterTemplates: LetterRendering {
    let library: MustacheLibrary
    /// Where each template came from, for messages.
    public let sources: [String: String]

    /// Loads the bundled templates and, when given, the council's folder over them. Every problem —
    /// a template that does not parse, a missing text or HTML form, a text template without its
    /// subject line — is reported at once, naming the file.
    public init(directory: String? = nil) throws {
        var texts: [String: (text: String, source: String)] = [:]
        guard let bundled = Bundle.module.url(forResource: "letters", withExtension: nil) else {
            throw StewardError(.invalidConfiguration, "the bundled letter templates are missing from this build")
        }
        try Self.read(bundled, into: &texts)
        if let directory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw StewardError(.invalidConfiguration, "the letters folder '\(directory)' does not exist", field: "letters_directory")
            }
            try Self.read(URL(fileURLWithPath: directory), into: &texts)
        }
        var library = MustacheLibrary()
        var issues: [StewardError.Issue] = []
        for (name, entry) in texts.sorted(by: { $0.key < $1.key }) {
            // Text templates are not HTML: nothing in them is escaped.
            let template = name.hasSuffix(".txt") ? "{{% CONTENT_TYPE: TEXT }}" + entry.text : entry.text
            do {
                try library.register(template, named: name)
            } catch {
                issues.append(.init(file: entry.source, field: name, message: "the template does not parse: \(error)"))
            }
        }
        for kind in LetterKind.allCases {
            for form in ["txt", "html"] where texts["\(kind.rawValue).\(form)"] == nil {
                issues.append(.init(field: "\(kind.rawValue).\(form)", message: "there is no \(kind.rawValue).\(form).mustache template"))
            }
            if let text = texts["\(kind.rawValue).txt"], !text.text.hasPrefix("Subject: ") {
                issues.append(.init(file: text.source, line: 1, field: "Subject", message: "the first line must be 'Subject: …'"))
            }
        }
        if let first = issues.first {
            throw StewardError(.invalidConfiguration, first.message, field: first.field, details: issues)
        }
        self.library = library
        self.sources = texts.mapValues(\.source)
    }

    static func read(_ folder: URL, into texts: inout [String: (text: String, source: String)]) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".mustache") }
        for name in names {
            let url = folder.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw StewardError(.invalidConfiguration, "cannot read the letter template \(url.path)", field: "letters_directory")
            }
            texts[String(name.dropLast(".mustache".count))] = (String(decoding: data, as: UTF8.self), url.path)
        }
    }

    public func render(_ kind: LetterKind, context: LetterContext) throws -> RenderedLetter {
        guard let text = library.render(context, withTemplate: "\(kind.rawValue).txt"),
            let html = library.render(context, withTemplate: "\(kind.rawValue).html")
        else {
            throw StewardError(.invalidConfiguration, "the \(kind.rawValue) letter has no template")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let subject = lines.isEmpty ? "" : String(lines.removeFirst().dropFirst("Subject: ".count)).trimmingCharacters(in: .whitespaces)
        return RenderedLetter(kind: kind, subject: subject, text: Self.tidy(lines.joined(separator: "\n")), html: html)
    }

    /// Trims the text and collapses the runs of blank lines that sections leave behind.
    static func tidy(_ text: String) -> String {
        var result: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }.isEmpty ? Substring("") : line
            if trimmed.isEmpty, result.last?.isEmpty ?? true { continue }
            result.append(trimmed)
        }
        while result.last?.isEmpty == true { result.removeLast() }
        return result.joined(separator: "\n") + "\n"
    }
}
