import HummingbirdCore
import NIOCore
import StreamShare
import Synchronization

extension MetricsServer {
    /// The connections of the metrics server, oldest first by number: when a new one would make more
    /// than `limit`, the oldest is closed. A client that holds connections (idle, half-sent, trickling a
    /// body, or keeping one alive with a request now and then) can delay nobody but itself: a probe's
    /// new connection is always accepted and served.
    ///
    /// Nor can it take the process's last descriptors (libdispatch traps when it cannot open one, and
    /// runs would fail): while the process is short, each new connection closes the older
    /// half of those held.
    final class HeldConnections: Sendable {
        private struct State {
            var next: UInt64 = 0
            var open: [UInt64: any Channel] = [:]
        }

        let limit: Int
        private let state = Mutex(State())

        init(limit: Int) { self.limit = limit }

        /// Fewer than twice ``FileDescriptors/keptFree`` descriptors free.
        private static var isShort: Bool {
            FileDescriptors.shortage(needing: 2 * FileDescriptors.keptFree) != nil
        }

        /// Registers a connection and closes the oldest ones beyond the limit.
        /// - Returns: The connection's number, to remove it with.
        func add(_ channel: any Channel) -> UInt64 {
            let short = Self.isShort
            let (number, evicted) = state.withLock { state -> (UInt64, [any Channel]) in
                state.next += 1
                state.open[state.next] = channel
                var evicted: [any Channel] = []
                let most = short ? max(1, state.open.count / 2) : limit
                while state.open.count > most, let oldest = state.open.keys.min() {
                    if let channel = state.open.removeValue(forKey: oldest) { evicted.append(channel) }
                }
                return (state.next, evicted)
            }
            for channel in evicted { channel.close(promise: nil) }
            return number
        }

        func remove(_ number: UInt64) {
            _ = state.withLock { $0.open.removeValue(forKey: number) }
        }
    }

    /// Counts a connection among the ``HeldConnections`` while it is open, and caps its lifetime: after
    /// `lifetime` it is asked to close once its response is written (Hummingbird's quiescing), and closed
    /// `grace` later whatever it is doing (a body still trickling in).
    final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny

        private let connections: HeldConnections
        private let lifetime: TimeAmount
        private let grace: TimeAmount
        private var number: UInt64?
        private var expiry: Scheduled<Void>?

        init(connections: HeldConnections, lifetime: TimeAmount, grace: TimeAmount) {
            self.connections = connections
            self.lifetime = lifetime
            self.grace = grace
        }

        func handlerAdded(context: ChannelHandlerContext) {
            let channel = context.channel
            number = connections.add(channel)
            let grace = self.grace
            expiry = context.eventLoop.scheduleTask(in: lifetime) {
                channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
                channel.eventLoop.scheduleTask(in: grace) { channel.close(promise: nil) }
            }
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            expiry?.cancel()
            expiry = nil
            if let number { connections.remove(number) }
            number = nil
        }
    }
}
