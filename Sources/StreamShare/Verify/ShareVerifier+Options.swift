extension ShareVerifier {
    /// How to verify: the deadline and depth, then the settings of each side, grouped as
    /// async-http-client groups its `Configuration` — ``kafka-swift.property``,
    /// ``schemaRegistry-swift.property`` and ``network-swift.property``.
    ///
    /// ```swift
    /// var options = ShareVerifier.Options(deadline: .seconds(20), deep: true)
    /// options.kafka.groupSuffix = "billing"
    /// options.network.proxy = try .environment()
    /// ```
    public struct Options: Sendable {
        /// The whole verification ends by then (default 30 s).
        public var deadline: Duration
        /// Also prove READ by reading the latest record of each partition, resolve the schema ids those
        /// records carry (`schema_registry.record_schema`), and join a probe group under each prefix.
        public var deep: Bool
        /// A CA bundle to trust, for Kafka (`ssl.ca.location`) and the Schema Registry.
        public var caFile: String?
        /// The Kafka client and the Kafka checks.
        public var kafka: Kafka
        /// The Schema Registry requests.
        public var schemaRegistry: SchemaRegistry
        /// How the share is reached: proxies, private networking.
        public var network: Network

        /// Creates options.
        public init(
            deadline: Duration = .seconds(30),
            deep: Bool = false,
            caFile: String? = nil,
            kafka: Kafka = Kafka(),
            schemaRegistry: SchemaRegistry = SchemaRegistry(),
            network: Network = Network()
        ) {
            self.deadline = deadline
            self.deep = deep
            self.caFile = caFile
            self.kafka = kafka
            self.schemaRegistry = schemaRegistry
            self.network = network
        }

        /// The Kafka client and the Kafka checks.
        public struct Kafka: Sendable {
            /// librdkafka properties applied last (`-X key=value`).
            public var overrides: [ConfigProperty]
            /// Appended to the group prefix for the checked (and recommended) `group.id`.
            public var groupSuffix: String
            /// Accept a PLAINTEXT bootstrap URL (the local sandbox), reported as a warning.
            public var allowPlaintext: Bool
            /// Count Kafka requests by type (librdkafka protocol debug) into
            /// ``VerificationReport/kafkaRequests``.
            public var countRequests: Bool
            /// Check that each shared topic's newest record is younger than this
            /// (`kafka.topic.freshness`), reading every partition's latest record; nil (default): not checked.
            public var maxStaleness: Duration?
            /// Check that the consumers' group (`<prefix><suffix>` of each prefix) is at most this many
            /// records behind on the shared topics in total (`kafka.group.lag`), from its committed
            /// offsets; nil (default): not checked.
            public var maxLag: Int64?
            /// How many brokers to prove at once (`kafka.broker`), asked once their number is known: a
            /// run of a ``MonitorPool`` proves as many as it was admitted with room for (all,
            /// ``FileDescriptors/pooledBrokerProofs`` or one; a run admitted before its cluster's size
            /// was known grows its admission here); nil: as many as the descriptors free allow.
            var brokerProofs: (@Sendable (_ brokers: Int) -> Int)? = nil

            /// Creates the Kafka settings.
            public init(
                overrides: [ConfigProperty] = [],
                groupSuffix: String = KafkaClientConfig.defaultGroupSuffix,
                allowPlaintext: Bool = false,
                countRequests: Bool = false,
                maxStaleness: Duration? = nil,
                maxLag: Int64? = nil
            ) {
                self.overrides = overrides
                self.groupSuffix = groupSuffix
                self.allowPlaintext = allowPlaintext
                self.countRequests = countRequests
                self.maxStaleness = maxStaleness
                self.maxLag = maxLag
            }
        }

        /// The Schema Registry requests.
        public struct SchemaRegistry: Sendable {
            /// Requests in flight at once.
            public var concurrency: Int
            /// Requests per second this verification allows itself (default 10; `nil`: no budget).
            /// Confluent Cloud's registry serves about 75 reads per second, shared by every key, the
            /// provider's production serializers included.
            public var requestsPerSecond: Double?

            /// Creates the Schema Registry settings.
            public init(
                concurrency: Int = HTTPClientFactory.maxConnectionsPerHost,
                requestsPerSecond: Double? = 10
            ) {
                self.concurrency = concurrency
                self.requestsPerSecond = requestsPerSecond
            }
        }

        /// How the share is reached.
        public struct Network: Sendable {
            /// The proxies of Schema Registry requests (default: none; the command line reads `--proxy`
            /// and the environment, see ``HTTPProxyConfiguration/environment(_:)``). librdkafka cannot
            /// use an HTTP proxy: Kafka connections are always direct, which the report notes when a
            /// proxy would have applied to the bootstrap host.
            public var proxy: HTTPProxyConfiguration
            /// The one private-networking switch: set, the share is reached over private networking —
            /// `network.dns` checks that the bootstrap host and every broker host resolve, and only to
            /// private addresses, and connection hints speak of the private endpoint (default: `nil`,
            /// public networking; the command line sets it when redeeming with an account flag and with
            /// `--private-dns`, and a verifier given a ``CDXClient`` when the share's resource is a
            /// PrivateLink one).
            public var privateDNS: PrivateNetworkDNS?
            /// Resolves a host name by a timeout (tests inject answers; by default the system resolver).
            package var resolveHost: @Sendable (String, Duration) async -> HostResolution = HostResolver.resolve

            /// Whether the share is reached over private networking: ``privateDNS`` read as a switch.
            /// Setting `true` expects private DNS answers (of any private network) for every Kafka host
            /// name; setting `false` clears ``privateDNS``.
            public var privateNetworking: Bool {
                get { privateDNS != nil }
                set {
                    if !newValue {
                        privateDNS = nil
                    } else if privateDNS == nil {
                        privateDNS = PrivateNetworkDNS()
                    }
                }
            }

            /// Creates the network settings.
            public init(proxy: HTTPProxyConfiguration = .direct, privateDNS: PrivateNetworkDNS? = nil) {
                self.proxy = proxy
                self.privateDNS = privateDNS
            }
        }
    }
}
