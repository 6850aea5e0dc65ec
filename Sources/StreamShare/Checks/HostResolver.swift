import Dispatch
import RdKafka

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a host name resolved to.
package enum HostResolution: Sendable, Hashable {
    /// Its addresses, as text, in the resolver's order without repeats.
    case addresses([String])
    /// It does not resolve: the resolver's message.
    case failed(String)
    /// No answer in time.
    case timedOut
}

/// Resolves host names as librdkafka does (the system resolver, `getaddrinfo`), each on a serial queue
/// of its own (an overcommitting queue: a blocked lookup gets a thread of its own), and answers by a
/// deadline whatever the resolver does: a call still running then ends by itself on its thread. Never
/// on Dispatch's global concurrent queues: on Linux Swift's concurrency runs on
/// them, and lookups blocked there would stall every task (and the deadline's own timer).
package enum HostResolver {
    /// Resolves `host`, answering within `timeout` (at once when the calling task is cancelled).
    package static func resolve(_ host: String, timeout: Duration) async -> HostResolution {
        let once = ResumeOnce<HostResolution>()
        DispatchQueue(label: "cdx-verify.resolve").async { once.resume(lookUp(host)) }
        // The answer, or the deadline: whichever comes first (the other is then cancelled).
        let answer = await Deadline.answer(within: timeout) { () async -> HostResolution? in
            await withTaskCancellationHandler {
                await withCheckedContinuation { once.install($0) }
            } onCancel: {
                once.resume(.timedOut)
            }
        }
        return answer ?? .timedOut
    }

    private static func lookUp(_ host: String) -> HostResolution {
        var hints = addrinfo()
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { return .failed(String(cString: gai_strerror(status))) }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var entry = list
        while let current = entry {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(
                current.pointee.ai_addr,
                current.pointee.ai_addrlen,
                &buffer,
                socklen_t(buffer.count),
                nil,
                0,
                NI_NUMERICHOST
            ) == 0 {
                let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(text) { addresses.append(text) }
            }
            entry = current.pointee.ai_next
        }
        return addresses.isEmpty ? .failed("no addresses") : .addresses(addresses)
    }

    /// Whether an address is one that only a private network reaches: RFC 1918 (10/8, 172.16/12,
    /// 192.168/16), shared address space (100.64/10), loopback, link-local, IPv6 unique local
    /// (fc00::/7) and link-local (fe80::/10). A PrivateLink / Private Service Connect endpoint has
    /// such an address in the consumer's network.
    package static func isPrivate(_ address: String) -> Bool {
        ipAddressBytes(address).map(isPrivate) ?? false
    }

    private static func isPrivate(_ bytes: [UInt8]) -> Bool {
        if bytes.count == 4 {
            switch (bytes[0], bytes[1]) {
            case (10, _), (127, _), (192, 168), (169, 254): return true
            case (172, 16...31): return true
            case (100, 64...127): return true
            default: return false
            }
        }
        if bytes[..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }  // ::1
        if bytes[0] & 0xFE == 0xFC { return true }  // fc00::/7
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return true }  // fe80::/10
        // IPv4-mapped (::ffff:a.b.c.d)
        if bytes[..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return isPrivate(Array(bytes[12...]))
        }
        return false
    }
}
