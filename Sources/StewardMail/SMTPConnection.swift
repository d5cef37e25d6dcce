import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// One TCP connection to the relay, with a command/reply exchange on top of ``SMTPReplyHandler``.
struct SMTPConnection: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<SMTPReplyHandler>
    private let timeout: TimeAmount

    /// Connects to `host:port`, wrapping the connection in TLS from the start when `implicitTLS` is
    /// given. The connect is bounded by `timeout`; the TLS handshake by the wait for the greeting.
    static func connect(
        host: String,
        port: Int,
        implicitTLS: NIOSSLContext?,
        timeout: TimeAmount,
        group: any EventLoopGroup
    ) async throws -> SMTPConnection {
        let serverHostname = Self.serverNameIndication(for: host)
        // The handler is made before the connection so that it is there to report why the connection
        // failed, such as a TLS handshake that fails before the greeting, even once the pipeline is gone.
        let eventLoop = group.next()
        let handler = try await eventLoop.submit {
            NIOLoopBound(SMTPReplyHandler(eventLoop: eventLoop), eventLoop: eventLoop)
        }.get()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(timeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let implicitTLS {
                            let tls = try NIOSSLClientHandler(context: implicitTLS, serverHostname: serverHostname)
                            try channel.pipeline.syncOperations.addHandler(tls)
                        }
                        try channel.pipeline.syncOperations.addHandler(handler.value)
                    }
                }
                .connect(host: host, port: port)
                .get()
        } catch ChannelError.connectTimeout {
            throw SMTPError(.timeout, "could not connect to \(host):\(port) within \(Self.seconds(timeout)) seconds")
        } catch {
            let mapped = SMTPReplyHandler.smtpError(for: error, during: nil)
            if case .tls = mapped.kind { throw mapped }
            throw SMTPError(.connection, "could not connect to \(host):\(port)", underlying: error)
        }
        return SMTPConnection(channel: channel, handler: handler, timeout: timeout)
    }

    private init(channel: any Channel, handler: NIOLoopBound<SMTPReplyHandler>, timeout: TimeAmount) {
        self.channel = channel
        self.handler = handler
        self.timeout = timeout
    }

    /// Waits for a reply without sending anything: the greeting.
    func reply(to command: String) async throws -> SMTPReply {
        let handler = self.handler
        let timeout = self.timeout
        return try await channel.eventLoop.flatSubmit {
            handler.value.nextReply(for: command, timeout: timeout)
        }.get()
    }

    /// Sends one command line (CRLF is added) and waits for its reply. `command` names it in errors
    /// and logs, so the line itself, which may hold credentials, is never shown.
    func send(line: String, as command: String) async throws -> SMTPReply {
        var buffer = channel.allocator.buffer(capacity: line.utf8.count + 2)
        buffer.writeString(line)
        buffer.writeStaticString("\r\n")
        return try await send(buffer, as: command)
    }

    /// Sends raw bytes, such as the DATA block, and waits for the reply.
    func send(_ bytes: ByteBuffer, as command: String) async throws -> SMTPReply {
        let handler = self.handler
        let timeout = self.timeout
        return try await channel.eventLoop.flatSubmit {
            handler.value.send(bytes, as: command, timeout: timeout)
        }.get()
    }

    /// Puts TLS in front of the conversation after the server's 220 to STARTTLS (RFC 3207 §4). The
    /// handshake runs before the next command goes out, which then waits for both.
    func startTLS(context: NIOSSLContext, host: String) async throws {
        let handler = self.handler
        let channel = self.channel
        let serverHostname = Self.serverNameIndication(for: host)
        try await channel.eventLoop.submit {
            // RFC 3207 §5: anything the server sent after its 220 arrived in clear and must not be
            // read as if it came over TLS.
            if handler.value.hasUnconsumedInput {
                throw SMTPError(.tls, "the server sent data after agreeing to STARTTLS; refusing to continue")
            }
            do {
                let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                try channel.pipeline.syncOperations.addHandler(tls, position: .first)
            } catch {
                throw SMTPError(.tls, "could not start TLS", underlying: error)
            }
        }.get()
    }

    /// Whether the peer is a loopback address, judged by the address actually connected to.
    var isLoopback: Bool {
        guard let address = channel.remoteAddress?.ipAddress else { return false }
        return address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }

    func close() async {
        try? await channel.close()
    }

    /// The name to send in SNI and check the certificate against, or `nil` for an IP literal, whose
    /// certificate is then checked against the connected address.
    static func serverNameIndication(for host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }

    static func seconds(_ amount: TimeAmount) -> String {
        let value = Double(amount.nanoseconds) / 1_000_000_000
        return value == value.rounded() ? String(Int(value)) : String(value)
    }
}
