import ArgumentParser
import Foundation
import StewardApp
import StewardCore
import StewardStore

/// `steward user …`: staff accounts for the console.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Create, list and disable staff accounts for the console.",
        subcommands: [Create.self, List.self, Reset.self, Disable.self]
    )

    /// `steward user create`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a staff account.",
            discussion: """
                Without --password-stdin, a one-time setup code is printed: its owner signs in with it once, \
                within seven days, and chooses a password. With --password-stdin, the password is read from \
                the first line of standard input (at least 12 characters).
                """
        )

        @OptionGroup var options: CommonOptions
        @Option(help: "dpo, caseworker or auditor.") var role: Role
        @Option(help: "The member of staff's email address; they sign in with it.") var email: String
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false

        func run() async throws {
            var password: String?
            if passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw StewardError(.invalidInput, "--password-stdin was given but standard input held no password", field: "password")
                }
                password = line
            }
            let chosen = password
            let (account, code) = try await options.withServices { services in
                try await services.staff.create(email: email, role: role, password: chosen, actor: commandLineActor)
            }
            if let code {
                printError(
                    "Created \(account.role.rawValue) account \(account.email) (id \(account.id)). Its setup code, shown once, signs in once within 7 days:"
                )
                print(code)
            } else {
                print("Created \(account.role.rawValue) account \(account.email) (id \(account.id)); it can sign in now.")
            }
        }
    }

    /// `steward user list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List staff accounts.")

        @OptionGroup var options: CommonOptions

        func run() async throws {
            let accounts = try await options.withServices { services in try await services.staff.accounts() }
            for account in accounts {
                let state = account.disabledAt.map { "disabled \($0)" } ?? (account.hasPassword ? "active" : "awaiting first sign-in")
                print("\(account.id)  \(account.role.rawValue.padding(12))  \(account.email)  \(state)")
            }
        }
    }

    /// `steward user reset`.
    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new setup code for an account (a lost code or a forgotten password): the password is cleared and its sessions end."
        )

        @OptionGroup var options: CommonOptions
        @Argument(help: "The account's email address.") var email: String

        func run() async throws {
            let (account, code) = try await options.withServices { services in try await services.staff.reset(email: email, actor: commandLineActor) }
            printError("A new setup code for \(account.email), shown once, signs in once within 7 days; its sessions have ended:")
            print(code)
        }
    }

    /// `steward user disable`.
    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a staff account and end its sessions.")

        @OptionGroup var options: CommonOptions
        @Argument(help: "The account's email address.") var email: String

        func run() async throws {
            let account = try await options.withServices { services in try await services.staff.disable(email: email, actor: commandLineActor) }
            print("Disabled \(account.email); its sessions have ended.")
        }
    }
}
