import NIOCore
import NIOSSL

/// One complete server reply (RFC 5321 §4.2): a three-digit code and the text of each line.
struct SMTPReply: Sendable, Hashable {
    var code: Int
    var lines: [String]

    /// The reply's text on one line, control characters removed, cut to a length fit for a log.
    var text: String {
        let joined = lines.joined(separator: " / ")
        let printable = String(String.UnicodeScalarView(joined.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
        return printable.count > 300 ? String(printable.prefix(300)) + "…" : printable
    }

    var isPositiveCompletion: Bool { (200..<300).contains(code) }
}

/// Reads the server's byte stream into replies and hands each to the command waiting for it.
///
/// Lines end in CRLF (a bare LF is accepted too); a reply is every `NNN-text` line up to and
/// including the `NNN text` line (RFC 5321 §4.2.1). The client has at most one command in flight,
/// so there is one waiter at a time; a reply that arrives with none waiting (the greeting) is kept
/// for the next. Each wait is bounded: when its timer fires, the wait fails and the connection is
/// closed. Once the connection fails, every later wait fails at once with the same error.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Longer than any legal reply line (512 octets, RFC 5321 §4.5.3.1.5), short enough to stop a
    /// server that never sends a line break.
    static let maximumLineLength = 4096

    private struct Waiter {
        var promise: EventLoopPromise<SMTPReply>
        var command: String
        var timer: Scheduled<Void>
    }

    private let eventLoop: any EventLoop
    private var context: ChannelHandlerContext?
    private var unparsed: ByteBuffer?
    private var partialReply: SMTPReply?
    private var receivedReplies = CircularBuffer<SMTPReply>()
    private var waiter: Waiter?
    private var failure: SMTPError?

    /// Whether bytes have arrived that no command has taken yet. After the reply to STARTTLS there
    /// must be none: anything sent in clear before the handshake could be an injected command.
    var hasUnconsumedInput: Bool {
        (unparsed?.readableBytes ?? 0) > 0 || partialReply != nil || !receivedReplies.isEmpty
    }

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Waits for the next reply, failing after `timeout` with ``SMTPError/Kind/timeout``.
    func nextReply(for command: String, timeout: TimeAmount) -> EventLoopFuture<SMTPReply> {
        if let reply = receivedReplies.popFirst() {
            return eventLoop.makeSucceededFuture(reply)
        }
        if let failure {
            return eventLoop.makeFailedFuture(failure)
        }
        guard context != nil else {
            // Removed from the pipeline: the channel has closed.
            return eventLoop.makeFailedFuture(SMTPError(.connection, "the connection closed before \(command)"))
        }
        if let waiter {
            // The client never has two commands in flight; this is a fault in Steward, not the server.
            return eventLoop.makeFailedFuture(
                SMTPError(.protocol, "\(command) was sent while \(waiter.command) still waited for its reply")
            )
        }
        let promise = eventLoop.makePromise(of: SMTPReply.self)
        let loopBoundSelf = NIOLoopBound(self, eventLoop: eventLoop)
        let timer = eventLoop.scheduleTask(in: timeout) {
            loopBoundSelf.value.fail(SMTPError(.timeout, "no reply to \(command) within \(SMTPConnection.seconds(timeout)) seconds"))
        }
        waiter = Waiter(promise: promise, command: command, timer: timer)
        return promise.futureResult
    }

    /// Writes `bytes` (one command line, or the whole of DATA) and waits for the reply to it.
    func send(_ bytes: ByteBuffer, as command: String, timeout: TimeAmount) -> EventLoopFuture<SMTPReply> {
        let reply = nextReply(for: command, timeout: timeout)
        guard let context, failure == nil else { return reply }
        let loopBoundSelf = NIOLoopBound(self, eventLoop: eventLoop)
        context.writeAndFlush(wrapOutboundOut(bytes)).whenFailure { error in
            loopBoundSelf.value.fail(Self.smtpError(for: error, during: command))
        }
        return reply
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if unparsed == nil {
            unparsed = bytes
        } else {
            unparsed!.writeBuffer(&bytes)
        }
        parseLines()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let during = waiter.map { " while waiting for the reply to \($0.command)" } ?? ""
        fail(SMTPError(.connection, "the server closed the connection\(during)"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(Self.smtpError(for: error, during: waiter?.command))
    }

    private func parseLines() {
        while failure == nil, var buffer = unparsed {
            guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
                if buffer.readableBytes > Self.maximumLineLength {
                    fail(SMTPError(.protocol, "the server sent a line longer than \(Self.maximumLineLength) bytes"))
                }
                return
            }
            var line = buffer.readSlice(length: newline - buffer.readerIndex + 1)!
            unparsed = buffer.readableBytes > 0 ? buffer : nil
            var lineBytes = line.readBytes(length: line.readableBytes)!
            lineBytes.removeLast()
            if lineBytes.last == UInt8(ascii: "\r") { lineBytes.removeLast() }
            receive(line: lineBytes)
        }
    }

    private func receive(line: [UInt8]) {
        let digits = line.prefix(3)
        guard digits.count == 3, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            (UInt8(ascii: "2")...UInt8(ascii: "5")).contains(digits.first!),
            line.count == 3 || line[3] == UInt8(ascii: " ") || line[3] == UInt8(ascii: "-")
        else {
            fail(SMTPError(.protocol, "the server sent a line that is not an SMTP reply: \(Self.printable(line))"))
            return
        }
        let code = Int(String(decoding: digits, as: UTF8.self))!
        let text = line.count > 4 ? String(decoding: line[4...], as: UTF8.self) : ""
        if let partialReply, partialReply.code != code {
            fail(SMTPError(.protocol, "the server changed reply code from \(partialReply.code) to \(code) within one reply"))
            return
        }
        var reply = partialReply ?? SMTPReply(code: code, lines: [])
        reply.lines.append(text)
        if line.count > 3 && line[3] == UInt8(ascii: "-") {
            partialReply = reply
            return
        }
        partialReply = nil
        if let waiter {
            self.waiter = nil
            waiter.timer.cancel()
            waiter.promise.succeed(reply)
        } else {
            receivedReplies.append(reply)
        }
    }

    /// Fails the waiting command and every later one, and closes the connection. The first failure
    /// wins: a TLS alert followed by the close is reported as the TLS failure.
    private func fail(_ error: SMTPError) {
        if failure == nil {
            failure = error
        }
        if let waiter {
            self.waiter = nil
            waiter.timer.cancel()
            waiter.promise.fail(failure!)
        }
        if let context, context.channel.isActive {
            context.close(promise: nil)
        }
    }

    static func smtpError(for error: any Error, during command: String?) -> SMTPError {
        if let error = error as? SMTPError { return error }
        let during = command.map { " during \($0)" } ?? ""
        switch error {
        case is NIOSSLError, is BoringSSLError, is NIOSSLExtraError:
            return SMTPError(.tls, "TLS failed\(during)", underlying: error)
        default:
            return SMTPError(.connection, "the connection failed\(during)", underlying: error)
        }
    }

    private static func printable(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(120), as: UTF8.self)
        return String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
    }
}
