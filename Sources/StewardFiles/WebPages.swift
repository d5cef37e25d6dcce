public import Foundation
import Mustache
public import StewardCore

/// The console's and portal's page templates, read once at start-up: Steward's own
/// (`Resources/pages/*.html.mustache`, every page inheriting `layout`), each replaced by a file of
/// the same name in the configured pages folder, and the stylesheet. Every value is escaped unless a
/// template asks otherwise (only the server-drawn chart does).
public struct WebPages: Sendable {
    let library: MustacheLibrary
    /// The names of the templates, for start-up checks and tests.
    public let names: [String]
    /// Steward's stylesheet.
    public let stylesheet: String
    /// The one script pages use: it follows a running search in place (pages work without it).
    public let progressScript: String

    /// - Parameter directory: a folder of templates that replace Steward's own, file by file; a
    ///   template there that does not parse stops start-up with an error naming it.
    public init(directory: String? = nil) throws {
        guard let bundled = Bundle.module.url(forResource: "pages", withExtension: nil),
            let web = Bundle.module.url(forResource: "web", withExtension: nil),
            let css = FileManager.default.contents(atPath: web.appendingPathComponent("steward.css").path),
            let script = FileManager.default.contents(atPath: web.appendingPathComponent("progress.js").path)
        else {
            throw StewardError(.invalidConfiguration, "the bundled page templates are missing from this build")
        }
        stylesheet = String(decoding: css, as: UTF8.self)
        progressScript = String(decoding: script, as: UTF8.self)
        var texts: [String: String] = [:]
        try Self.read(folder: bundled.path, into: &texts)
        if let directory {
            var replacements: [String: String] = [:]
            try Self.read(folder: directory, into: &replacements)
            for (name, text) in replacements {
                guard texts[name] != nil else {
                    throw StewardError(
                        .invalidConfiguration,
                        "\(directory)/\(name).html.mustache replaces no page Steward has; its pages are \(texts.keys.sorted().joined(separator: ", "))",
                        field: "web.pages_directory"
                    )
                }
                texts[name] = text
            }
        }
        var library = MustacheLibrary()
        for (name, text) in texts.sorted(by: { $0.key < $1.key }) {
            do {
                try library.register(text, named: name)
            } catch {
                throw StewardError(
                    .invalidConfiguration,
                    "the page template \(name).html.mustache does not parse: \(error)",
                    field: "web.pages_directory"
                )
            }
        }
        self.library = library
        names = texts.keys.sorted()
    }

    static func read(folder: String, into texts: inout [String: String]) throws {
        let suffix = ".html.mustache"
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw StewardError(.invalidConfiguration, "the pages folder '\(folder)' cannot be read", field: "web.pages_directory")
        }
        for file in files where file.hasSuffix(suffix) {
            guard let data = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(file)) else { continue }
            guard let text = String(data: data, encoding: .utf8) else {
                throw StewardError(.invalidConfiguration, "\(folder)/\(file) is not UTF-8 text", field: "web.pages_directory")
            }
            texts[String(file.dropLast(suffix.count))] = text
        }
    }

    /// The page `name` filled with `context`. An empty string in the context is blank: Mustache
    /// would take it as true (so `{{#legislation}}Law: {{legislation}}{{/legislation}}` would show
    /// "Law: " with nothing after it), and a key left out would take the value of the same name
    /// from the section around it, so empty strings become a value that renders as nothing and
    /// counts as false.
    public func render(_ name: String, _ context: [String: Any]) throws -> String {
        guard let page = library.render(Self.blankingEmptyText(context), withTemplate: name) else {
            throw StewardError(.internal, "there is no page template named \(name)")
        }
        return page
    }

    /// Text that renders as nothing and opens no section, unlike the empty string.
    struct Blank: MustacheCustomRenderable {
        var renderText: String { "" }
        var isNull: Bool { true }
    }

    static func blankingEmptyText(_ context: [String: Any]) -> [String: Any] {
        func blank(_ value: Any) -> Any {
            switch value {
            case let text as String: text.isEmpty ? Blank() : text
            case let object as [String: Any]: blankingEmptyText(object)
            case let rows as [[String: Any]]: rows.map(blankingEmptyText)
            default: value
            }
        }
        return context.mapValues(blank)
    }
}
