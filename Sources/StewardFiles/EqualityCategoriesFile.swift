public import Foundation
public import StewardCore

/// Reads the equality category lists (`Resources/statistics/equality-categories.json`, from the
/// ONS Census 2021 classifications), or a council's own edition of them in the same form.
public enum EqualityCategoriesFile {
    /// Reads the file at `path`, or the bundled lists when `path` is nil; every problem with them
    /// stops the read, each named.
    public static func load(path: String? = nil) throws -> EqualityCategories {
        let url: URL
        if let path {
            url = URL(fileURLWithPath: path)
        } else if let bundled = Bundle.module.url(forResource: "equality-categories", withExtension: "json", subdirectory: "statistics") {
            url = bundled
        } else {
            throw StewardError(
                .invalidConfiguration,
                "the bundled equality category lists are missing from this build",
                field: "statistics.categories"
            )
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw StewardError(.invalidConfiguration, "cannot read the category lists '\(url.path)'", field: "statistics.categories")
        }
        let lists: EqualityCategories
        do {
            lists = try JSONDecoder().decode(EqualityCategories.self, from: data)
        } catch let error as DecodingError {
            let reason = StewardError(decoding: error)
            throw StewardError(.invalidConfiguration, "\(url.lastPathComponent): \(reason.message)", field: "statistics.categories")
        }
        return try lists.validated(file: url.lastPathComponent)
    }
}
