// Each test class runs a whole cluster of processes; on a 2-core machine two at once would starve each
// other's failure detectors, so the classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
