import StreamShareSandbox
import Synchronization
import Testing

@testable import StreamShare
@testable import TestSupport

#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The product's policy lives in the library: a verifier given a CDX client looks up a PrivateLink
/// share's network and explains a refused key by the share's status, with no command line involved.
@Suite("Verifier with a CDX client", .timeLimit(.minutes(2)))
struct CloudPolicyTests {
    static func client(_ sandbox: Sandbox) -> CDXClient {
        CDXClient(credentials: sandbox.cloudCredentials, configuration: .init(baseURL: sandbox.apiURL))
    }

    static func redeemed(_ sandbox: Sandbox) async throws -> RedeemedShare {
        try await client(sandbox).redeem(RedeemTokenRequest(token: try sandbox.mintToken())).share()
    }

    static let options = ShareVerifier.Options(deadline: .seconds(20), kafka: .init(allowPlaintext: true))

    @Test("a refused key is explained by the share's status: ACTIVE, then DEACTIVATED; without a client, not at all")
    func statusExplainsRefusedKey() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            var share = try await Self.redeemed(sandbox)
            let id = try #require(share.id)
            share.schemaRegistrySecret = Secret("typo-in-the-secret")
            let cdx = Self.client(sandbox)

            func authCheck(_ verifier: ShareVerifier) async throws -> CheckResult {
                let report = try await verifier.verify(share)
                return try #require(report.checks.first { $0.id == .schemaRegistryAuth })
            }
            let active = try await authCheck(ShareVerifier(options: Self.options, cdx: cdx))
            #expect(active.code == .unauthorized)
            #expect(active.details["share_phase"] == "ACTIVE")
            #expect(active.hint?.contains("the provider has not ended it") == true, "\(active.hint ?? "")")

            let bare = try await authCheck(ShareVerifier(options: Self.options))
            #expect(bare.details["share_phase"] == nil)
            #expect(bare.hint?.contains("ACTIVE") != true)

            sandbox.api.setPhase(.deactivated, ofShare: id)
            let verifier = ShareVerifier(options: Self.options, cdx: cdx)
            let deactivated = try await authCheck(verifier)
            #expect(deactivated.details["share_phase"] == "DEACTIVATED")
            #expect(deactivated.hint?.hasPrefix("The provider deactivated this share") == true)

            // Waiting for the key ends at once: the share's end is final.
            let retries = RetryCount()
            let waited = try await verifier.verify(share, waiting: .init(duration: .seconds(60))) { _ in
                retries.add()
            }
            #expect(retries.value == 0)
            #expect(waited.failures.allSatisfy { $0.details["share_phase"] == "DEACTIVATED" })
        }
    }

    @Test("a PrivateLink share's network is looked up: network.dns checks with a client, none without")
    func privateNetworkLookedUp() async throws {
        try await Sandbox.withSandbox(scenario: .privateLink) { sandbox in
            let share = try await Self.redeemed(sandbox)
            let looked = try await ShareVerifier(options: Self.options, cdx: Self.client(sandbox)).verify(share)
            #expect(looked.checks.contains { $0.id == .networkDNS }, "\(looked.checks.map(\.qualifiedID))")
            let bare = try await ShareVerifier(options: Self.options).verify(share)
            #expect(!bare.checks.contains { $0.id == .networkDNS })
        }
    }

    @Test("an API that does not answer costs the checks at most a quarter of the deadline")
    func unreachableAPIIsBounded() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let share = try await Self.redeemed(sandbox)
            // A listening socket that never answers: the look-up can only end by its budget.
            let silent = try SilentServer()
            defer { silent.close() }
            let cdx = CDXClient(
                credentials: sandbox.cloudCredentials,
                configuration: .init(baseURL: URL(string: "http://127.0.0.1:\(silent.port)")!, retryPolicy: .never)
            )
            let verifier = await ShareVerifier(
                options: .init(deadline: .seconds(8), kafka: .init(allowPlaintext: true)),
                cdx: cdx
            )
            .resolvingNetwork(of: share)
            #expect(verifier.options.network.privateDNS == nil)
            #expect(verifier.options.deadline <= .seconds(6))
            #expect(verifier.options.deadline >= .seconds(5))
            #expect(try await verifier.verify(share).passed())
        }
    }
}

/// Counts calls from a `@Sendable` closure.
final class RetryCount: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// A TCP port on 127.0.0.1 that accepts connections (the kernel's backlog) and never answers.
struct SilentServer {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXFailure(call: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw POSIXFailure(call: "bind/listen") }
        var actual = sockaddr_in()
        var actualLength = length
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: actual.sin_port))
    }

    func close() { _ = Glibc.close(fd) }
}

struct POSIXFailure: Error {
    let call: String
}

@Suite("CDX client through a proxy", .timeLimit(.minutes(1)))
struct CDXProxyHintTests {
    @Test("a request that got no answer through the configured proxy names it (never its credentials)")
    func unansweredRequestNamesTheProxy() async throws {
        // A proxy port that refuses connections: nothing listens after the close.
        let closed = try SilentServer()
        let port = closed.port
        closed.close()
        let proxy = HTTPProxy(host: "127.0.0.1", port: port, username: "user", password: Secret("proxy-secret"))
        let client = CDXClient(
            credentials: CloudAPICredentials(key: "key", secret: Secret("cloud-secret")),
            configuration: .init(
                baseURL: URL(string: "http://api.invalid")!,
                requestTimeout: .seconds(5),
                retryPolicy: .never,
                proxy: proxy
            )
        )
        let error = await #expect(throws: CDXAPIError.self) { try await client.share(id: "dlz-1") }
        #expect(error?.status == nil)
        #expect(error?.proxy == proxy)
        let hint = error?.hint ?? ""
        #expect(hint.contains("went through the proxy http://127.0.0.1:\(port) (with credentials)"), "\(hint)")
        #expect(!hint.contains("proxy-secret") && !(error?.summary.contains("proxy-secret") ?? true))
        // Without a proxy, nothing is said about one.
        let direct = CDXClient(
            credentials: CloudAPICredentials(key: "key", secret: Secret("cloud-secret")),
            configuration: .init(
                baseURL: URL(string: "http://127.0.0.1:\(port)")!,
                requestTimeout: .seconds(5),
                retryPolicy: .never
            )
        )
        let plain = await #expect(throws: CDXAPIError.self) { try await direct.share(id: "dlz-1") }
        #expect(plain?.proxy == nil)
        #expect(plain?.hint.contains("proxy http") == false)
    }
}
