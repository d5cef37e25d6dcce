/// The collections of every dataset as a directed graph: an edge A → B means that values found in A
/// lead to rows in B, along a reference. Rights requests walk it from the collections that hold an
/// identity.
public struct DatasetGraph: Sendable {
    /// One collection of one dataset.
    public struct Node: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var dataset: Dataset.Key
        public var collection: String

        public init(dataset: Dataset.Key, collection: String) {
            self.dataset = dataset
            self.collection = collection
        }

        public var description: String { "\(dataset).\(collection)" }
        public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.dataset.rawValue, lhs.collection) < (rhs.dataset.rawValue, rhs.collection) }
    }

    /// The collections with at least one identity field.
    public let seeds: Set<Node>
    /// Outgoing edges of each node.
    public let edges: [Node: Set<Node>]

    public init(datasets: [Dataset]) {
        var seeds: Set<Node> = []
        var edges: [Node: Set<Node>] = [:]
        for dataset in datasets {
            for collection in dataset.collections {
                let here = Node(dataset: dataset.key, collection: collection.name)
                for (_, field) in collection.allFields {
                    if field.identity != nil { seeds.insert(here) }
                    for reference in field.references {
                        let there = Node(dataset: reference.dataset, collection: reference.collection)
                        switch reference.direction {
                        case .from?: edges[there, default: []].insert(here)
                        case .to?: edges[here, default: []].insert(there)
                        case nil:
                            edges[there, default: []].insert(here)
                            edges[here, default: []].insert(there)
                        }
                    }
                }
            }
        }
        self.seeds = seeds
        self.edges = edges
    }

    /// Every node reachable from a seed, seeds included. Terminates on cycles.
    public func reachableFromIdentities() -> Set<Node> {
        var seen = seeds
        var queue = Array(seeds)
        while let node = queue.popLast() {
            for next in edges[node, default: []] where seen.insert(next).inserted {
                queue.append(next)
            }
        }
        return seen
    }
}
