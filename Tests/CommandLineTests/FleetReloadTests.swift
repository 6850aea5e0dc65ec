import Foundation
@_spi(Sandbox) import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// A share file of a fleet rewritten in place with another share: its id is checked as a new file's
/// is, against the other files and the replica's shard.
@Suite("cdx-verify watch: share files rewritten in place", .serialized, .timeLimit(.minutes(3)))
struct FleetReloadTests {
    /// Rewrites `path` (a new file renamed over it) with the sandbox's share under `id`.
    private static func rewrite(_ path: String, sandbox: Sandbox, id: String) throws {
        var share = sandbox.share()
        share.id = id
        try ShareFile.write(try share.jsonData(), to: path, overwrite: true)
    }

    @Test("rewritten with the id another file holds: refused, naming both, and the previous share kept")
    func duplicateIDIsRefused() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let directory = try FleetTests.fleet(sandbox, count: 2)
            let (watch, port) = try await FleetTests.watchAllRunning(directory, count: 2)
            defer { watch.kill() }
            try Self.rewrite(directory + "/2.json", sandbox: sandbox, id: "dlz-fleet-1")
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { _, stderr in
                    stderr.contains("holds share dlz-fleet-1, which \(directory)/1.json holds too")
                }
            )
            #expect(watch.stderr.text.contains("still verifying the previous share"))
            #expect(!watch.stderr.text.contains("now verifying share dlz-fleet-1"))
            // Both shares still run, each under its own id.
            let before = WatchTests.lines(watch.stdout.text).count
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { stdout, _ in
                    Set(WatchTests.lines(stdout).dropFirst(before).map(\.share)) == ["dlz-fleet-1", "dlz-fleet-2"]
                }
            )
            #expect(try await FleetTests.healthShares(port) == ["dlz-fleet-1", "dlz-fleet-2"])

            // The file rewritten again with a new id of its own: taken.
            try Self.rewrite(directory + "/2.json", sandbox: sandbox, id: "dlz-fleet-3")
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { _, stderr in
                    stderr.contains("now verifying share dlz-fleet-3")
                }
            )
            // And the id it left is free again: a new file may hold it.
            try Self.rewrite(directory + "/4.json", sandbox: sandbox, id: "dlz-fleet-2")
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { _, stderr in
                    stderr.contains("watching \(directory)/4.json")
                }
            )
            #expect(await watch.terminate(timeout: .seconds(10)) == 0)
        }
    }

    @Test("a file refused for the id another file holds is watched once that file lets the id go")
    func refusedDuplicateIsTakenWhenFreed() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let directory = try Fixture.temporaryDirectory()
            try Self.rewrite(directory + "/1.json", sandbox: sandbox, id: "dlz-twin")
            try Self.rewrite(directory + "/2.json", sandbox: sandbox, id: "dlz-twin")
            let watch = try WatchTests.startWatch([
                "--share-dir", directory, "--interval", "300ms", "--metrics-address", "127.0.0.1:0",
            ])
            defer { watch.kill() }
            let port = try await WatchTests.metricsPort(watch)
            let refused = "\(directory)/2.json holds share dlz-twin, which \(directory)/1.json holds too"
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { _, stderr in
                    stderr.contains(refused) && stderr.contains("or the other file no longer holds dlz-twin")
                }
            )
            // The holder rewritten with an id of its own: the refused file is taken at the next scan.
            try Self.rewrite(directory + "/1.json", sandbox: sandbox, id: "dlz-single")
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { _, stderr in
                    stderr.contains("watching \(directory)/2.json as share")
                }
            )
            #expect(watch.stderr.text.contains("now verifying share dlz-single"))
            // Two shares, under the labels they were first watched as (1.json keeps "dlz-twin").
            #expect(try await FleetTests.healthShares(port) == ["dlz-twin", "dlz-twin-2"])
            // A third file with that id is refused; once the holder is deleted, it is taken.
            try Self.rewrite(directory + "/3.json", sandbox: sandbox, id: "dlz-twin")
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { _, stderr in
                    stderr.contains("\(directory)/3.json holds share dlz-twin, which \(directory)/2.json holds too")
                }
            )
            try FileManager.default.removeItem(atPath: directory + "/2.json")
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { _, stderr in
                    stderr.contains("watching \(directory)/3.json as share")
                }
            )
            #expect(try await FleetTests.healthShares(port) == ["dlz-twin", "dlz-twin-2"])
            #expect(await watch.terminate(timeout: .seconds(10)) == 0)
        }
    }

    @Test("rewritten with an id of another shard: no longer watched by this replica, until it changes again")
    func idOfAnotherShardLeaves() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let mine = try Shard(parsing: "1/2")
            let ids = (1...40).map { "dlz-reload-\($0)" }
            let kept = try #require(ids.first { mine.contains(shareID: $0) })
            let leaving = try #require(ids.first { mine.contains(shareID: $0) && $0 != kept })
            let elsewhere = try #require(ids.first { !mine.contains(shareID: $0) })
            let directory = try Fixture.temporaryDirectory()
            try Self.rewrite(directory + "/a.json", sandbox: sandbox, id: kept)
            try Self.rewrite(directory + "/b.json", sandbox: sandbox, id: leaving)
            let watch = try WatchTests.startWatch([
                "--share-dir", directory, "--shard", "1/2", "--interval", "300ms", "--metrics-address", "127.0.0.1:0",
            ])
            defer { watch.kill() }
            let port = try await WatchTests.metricsPort(watch)
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { stdout, _ in
                    Set(WatchTests.lines(stdout).map(\.share)) == [kept, leaving]
                }
            )
            try Self.rewrite(directory + "/b.json", sandbox: sandbox, id: elsewhere)
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { _, stderr in
                    stderr.contains("\(directory)/b.json now holds share \(elsewhere), which falls to another shard")
                }
            )
            try await Task.sleep(for: .seconds(6))  // past a scan of the directory (every 5 s at most)
            #expect(try await FleetTests.healthShares(port) == [kept])
            let metrics = try await WatchTests.metrics(port, share: leaving)
            #expect(metrics.isEmpty, "the share that left still has series: \(metrics.keys.sorted().prefix(3))")
            #expect(!WatchTests.lines(watch.stdout.text).contains { $0.share == elsewhere })

            // Back to an id of this shard: watched again.
            try Self.rewrite(directory + "/b.json", sandbox: sandbox, id: leaving)
            let added = "watching \(directory)/b.json as share"
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { _, stderr in
                    stderr.components(separatedBy: added).count - 1 == 2
                }
            )
            #expect(try await FleetTests.healthShares(port) == [kept, leaving])
            #expect(await watch.terminate(timeout: .seconds(10)) == 0)
        }
    }
}
