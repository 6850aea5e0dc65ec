import CRdKafka

/// A Swift copy of `rd_kafka_metadata_t`, taken before the C object is destroyed.
package struct ClusterMetadata: Sendable {
    package struct Broker: Sendable, Hashable {
        package var id: Int32
        package var host: String
        package var port: Int32
    }

    package struct Partition: Sendable, Hashable {
        package var id: Int32
        package var error: Int32
        package var leader: Int32
    }

    package struct Topic: Sendable, Hashable {
        package var name: String
        package var error: Int32
        package var partitions: [Partition]
    }

    package var brokers: [Broker]
    package var topics: [String: Topic]
    package var originatingBroker: String

    init(_ metadata: rd_kafka_metadata) {
        brokers = (0..<Int(metadata.broker_cnt)).map { index in
            let broker = metadata.brokers[index]
            return Broker(id: broker.id, host: broker.host.map { String(cString: $0) } ?? "", port: broker.port)
        }
        var topics: [String: Topic] = [:]
        for index in 0..<Int(metadata.topic_cnt) {
            let topic = metadata.topics[index]
            let name = String(cString: topic.topic)
            let partitions = (0..<Int(topic.partition_cnt)).map { partitionIndex in
                let partition = topic.partitions[partitionIndex]
                return Partition(id: partition.id, error: partition.err.rawValue, leader: partition.leader)
            }
            topics[name] = Topic(name: name, error: topic.err.rawValue, partitions: partitions)
        }
        self.topics = topics
        originatingBroker = metadata.orig_broker_name.map { String(cString: $0) } ?? ""
    }
}
