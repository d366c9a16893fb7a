// The reference WriteRequest codec for tests and benchmarks: prometheus/prompb's messages built
// with protobufjs (a dev dependency), independent of the hand-written decoder it checks.
import protobuf from 'protobufjs';

const root = protobuf.Root.fromJSON({
  nested: {
    WriteRequest: {
      fields: {
        timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 },
        metadata: { rule: 'repeated', type: 'MetricMetadata', id: 3 },
      },
    },
    TimeSeries: {
      fields: {
        labels: { rule: 'repeated', type: 'Label', id: 1 },
        samples: { rule: 'repeated', type: 'Sample', id: 2 },
        // Exemplar and Histogram messages, carried as bytes: what they hold is not read by a 1.0 receiver.
        exemplars: { rule: 'repeated', type: 'bytes', id: 3 },
        histograms: { rule: 'repeated', type: 'bytes', id: 4 },
      },
    },
    Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
    Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
    MetricMetadata: {
      fields: {
        type: { type: 'int32', id: 1 },
        metricFamilyName: { type: 'string', id: 2 },
        help: { type: 'string', id: 4 },
        unit: { type: 'string', id: 5 },
      },
    },
  },
});

/** prometheus.WriteRequest: `WriteRequest.encode(WriteRequest.fromObject(msg)).finish()`. */
export const WriteRequest = root.lookupType('WriteRequest');
