import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A loopback server that answers SMTP commands from a script, for the misbehaving relays that a real
/// server cannot be made to imitate: garbage, early data after STARTTLS, odd codes.
///
/// `answer` gets each command line (without CRLF) and returns the exact bytes to send back, or
/// `nil` to stay silent. After `DATA` is answered with 354, lines are collected until the lone "."
/// and the message is answered with `answer("<message>")`.
final class ScriptedSMTPServer: Sendable {
    let port: Int
    private let channel: any Channel
    private let log: Log

    init(greeting: String = "220 scripted ESMTP\r\n", answer: @escaping @Sendable (String) -> String?) async throws {
        let log = Log()
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(Handler(greeting: greeting, answer: answer, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress!.port!
        self.log = log
    }

    /// Every command line the server has read, in order; message lines are not included.
    var commands: [String] { log.lines.withLock { $0 } }

    func stop() async {
        try? await channel.close()
    }

    private final class Log: Sendable {
        let lines = Mutex<[String]>([])
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let greeting: String
        let answer: @Sendable (String) -> String?
        let log: Log
        var buffer = ""
        var inData = false

        init(greeting: String, answer: @escaping @Sendable (String) -> String?, log: Log) {
            self.greeting = greeting
            self.answer = answer
            self.log = log
        }

        func channelActive(context: ChannelHandlerContext) {
            send(greeting, context: context)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            buffer += bytes.readString(length: bytes.readableBytes) ?? ""
            while let end = buffer.range(of: "\r\n") {
                let line = String(buffer[..<end.lowerBound])
                buffer = String(buffer[end.upperBound...])
                if inData {
                    if line == "." {
                        inData = false
                        reply(to: "<message>", context: context)
                    }
                    continue
                }
                log.lines.withLock { $0.append(line) }
                reply(to: line, context: context)
            }
        }

        private func reply(to line: String, context: ChannelHandlerContext) {
            guard let response = answer(line) else { return }
            if response == ScriptedSMTPServer.closeConnection {
                context.close(promise: nil)
                return
            }
            if line.uppercased() == "DATA" && response.hasPrefix("354") { inData = true }
            send(response, context: context)
            if line.uppercased() == "QUIT" { context.close(promise: nil) }
        }

        private func send(_ text: String, context: ChannelHandlerContext) {
            guard !text.isEmpty else { return }
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
        }
    }

    /// An answer that makes the server close the connection without a word.
    static let closeConnection = "<close>"

    /// Answers like an ordinary relay: EHLO with `ehlo` lines, 250 to MAIL, RCPT and the message,
    /// 354 to DATA and 221 to QUIT. Use it as the default in a script's `answer`.
    static func ordinary(_ line: String, ehlo: [String] = ["scripted", "8BITMIME"]) -> String {
        let verb = line.split(separator: " ").first.map { $0.uppercased() } ?? ""
        switch verb {
        case "EHLO":
            return ehlo.enumerated().map { "250\($0.offset == ehlo.count - 1 ? " " : "-")\($0.element)\r\n" }.joined()
        case "HELO": return "250 scripted\r\n"
        case "DATA": return "354 go ahead\r\n"
        case "QUIT": return "221 bye\r\n"
        default: return "250 ok\r\n"
        }
    }
}
