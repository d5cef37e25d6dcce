import ArgumentParser
import StewardApp
import StewardCore
import StewardStore

/// `steward token …`: API tokens.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke API tokens.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    /// `steward token create`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API token. The token is printed once; only its hash is stored."
        )

        @OptionGroup var options: CommonOptions
        @Option(help: "dpo, caseworker, service or auditor.") var role: Role
        @Option(help: "A name that says who or what uses the token.") var name: String

        func run() async throws {
            let (token, secret) = try await options.withServices { services in
                try await services.store.createToken(name: name, role: role, actor: commandLineActor)
            }
            printError("Created token '\(token.name)' (id \(token.id), role \(token.role.rawValue)). It is shown once:")
            print(secret)
        }
    }

    /// `steward token list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API tokens (never their secrets).")

        @OptionGroup var options: CommonOptions

        func run() async throws {
            let tokens = try await options.withServices { services in try await services.store.tokens() }
            for token in tokens {
                print(
                    "\(token.id)  \(token.role.rawValue.padding(12))  \(token.name)  created \(token.createdAt)\(token.revokedAt.map { "  revoked \($0)" } ?? "")"
                )
            }
        }
    }

    /// `steward token revoke`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API token by id or name.")

        @OptionGroup var options: CommonOptions
        @Argument(help: "The token's id or name.") var token: String

        func run() async throws {
            let revoked = try await options.withServices { services in try await services.store.revokeToken(token, actor: commandLineActor) }
            print("Revoked token '\(revoked.name)' (id \(revoked.id)).")
        }
    }
}
