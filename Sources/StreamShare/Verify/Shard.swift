/// One of N replicas of a watch, and the shares that fall to it.
///
/// Shares are spread by rendezvous (highest random weight) hashing of their ids: every replica
/// computes the same answer with no coordination, and when N changes only about 1/N of the shares
/// move (modulo hashing would move almost all of them). The hash is fixed (FNV-1a, then a 64-bit
/// finalizer), the same on every host and in every version of Swift.
///
/// ```swift
/// let shard = try Shard(parsing: "2/3")        // the second of three replicas (`--shard 2/3`)
/// let mine = shares.filter { shard.contains(shareID: $0.id ?? "") }
/// ```
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// Why a shard cannot be parsed.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The text given.
        public let text: String

        /// What is wrong, in a sentence.
        public var description: String {
            "'\(text)' is not a shard: give K/N with 1 ≤ K ≤ N (e.g. 1/3), K counted from 1"
        }
    }

    /// This replica's number, from 1.
    public let index: Int
    /// The number of replicas.
    public let count: Int

    /// The shard `index` of `count`.
    /// - Throws: ``ParseError`` unless 1 ≤ index ≤ count.
    public init(index: Int, of count: Int) throws(ParseError) {
        guard count >= 1, (1...count).contains(index) else { throw ParseError(text: "\(index)/\(count)") }
        self.index = index
        self.count = count
    }

    /// Parses `K/N`, K counted from 1 (as Jest's and Playwright's `--shard`).
    /// - Throws: ``ParseError`` when the text is not `K/N` with 1 ≤ K ≤ N.
    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count <= 100_000 else {
            throw ParseError(text: text)
        }
        do {
            try self.init(index: index, of: count)
        } catch {
            throw ParseError(text: text)
        }
    }

    /// `K/N`.
    public var description: String { "\(index)/\(count)" }

    /// Whether the share falls to this shard.
    /// - Parameter shareID: The share's id (or, for a share without one, a name stable across
    ///   replicas such as its file name).
    public func contains(shareID: String) -> Bool {
        Self.owner(of: shareID, among: count) == index
    }

    /// The shard (from 1) that owns `key` among `count`: the one with the highest weight.
    public static func owner(of key: String, among count: Int) -> Int {
        let base = fnv1a(key.utf8)
        var best = (shard: 1, weight: UInt64.min)
        for shard in 1...max(1, count) {
            let weight = mix(base ^ mix(UInt64(shard)))
            if weight > best.weight { best = (shard, weight) }
        }
        return best.shard
    }

    private static func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// A 64-bit finalizer (splitmix64's): every input bit moves every output bit.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
