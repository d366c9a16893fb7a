// The reference OTLP metrics codec for tests: opentelemetry-proto's metrics messages (field
// numbers and types as in opentelemetry/proto/{collector/metrics,metrics,common,resource}/v1)
// built with protobufjs's reflection API (a dev dependency), independent of the hand-written
// decoder it checks. Only tests import this file.
import protobuf from 'protobufjs';

const f = (id: number, type: string, rule?: 'repeated' | 'optional') => (rule ? { id, type, rule } : { id, type });

const root = protobuf.Root.fromJSON({
  nested: {
    ExportMetricsServiceRequest: { fields: { resourceMetrics: f(1, 'ResourceMetrics', 'repeated') } },
    ExportMetricsServiceResponse: { fields: { partialSuccess: f(1, 'ExportMetricsPartialSuccess') } },
    ExportMetricsPartialSuccess: { fields: { rejectedDataPoints: f(1, 'int64'), errorMessage: f(2, 'string') } },
    Status: { fields: { code: f(1, 'int32'), message: f(2, 'string'), details: f(3, 'bytes', 'repeated') } },
    ResourceMetrics: { fields: { resource: f(1, 'Resource'), scopeMetrics: f(2, 'ScopeMetrics', 'repeated'), schemaUrl: f(3, 'string') } },
    Resource: { fields: { attributes: f(1, 'KeyValue', 'repeated'), droppedAttributesCount: f(2, 'uint32') } },
    ScopeMetrics: { fields: { scope: f(1, 'InstrumentationScope'), metrics: f(2, 'Metric', 'repeated'), schemaUrl: f(3, 'string') } },
    InstrumentationScope: { fields: { name: f(1, 'string'), version: f(2, 'string'), attributes: f(3, 'KeyValue', 'repeated'), droppedAttributesCount: f(4, 'uint32') } },
    Metric: {
      oneofs: { data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] } },
      fields: {
        name: f(1, 'string'),
        description: f(2, 'string'),
        unit: f(3, 'string'),
        gauge: f(5, 'Gauge'),
        sum: f(7, 'Sum'),
        histogram: f(9, 'Histogram'),
        exponentialHistogram: f(10, 'ExponentialHistogram'),
        summary: f(11, 'Summary'),
        metadata: f(12, 'KeyValue', 'repeated'),
      },
    },
    Gauge: { fields: { dataPoints: f(1, 'NumberDataPoint', 'repeated') } },
    Sum: { fields: { dataPoints: f(1, 'NumberDataPoint', 'repeated'), aggregationTemporality: f(2, 'int32'), isMonotonic: f(3, 'bool') } },
    Histogram: { fields: { dataPoints: f(1, 'HistogramDataPoint', 'repeated'), aggregationTemporality: f(2, 'int32') } },
    ExponentialHistogram: { fields: { dataPoints: f(1, 'bytes', 'repeated'), aggregationTemporality: f(2, 'int32') } },
    Summary: { fields: { dataPoints: f(1, 'SummaryDataPoint', 'repeated') } },
    NumberDataPoint: {
      oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
      fields: {
        attributes: f(7, 'KeyValue', 'repeated'),
        startTimeUnixNano: f(2, 'fixed64'),
        timeUnixNano: f(3, 'fixed64'),
        asDouble: f(4, 'double'),
        asInt: f(6, 'sfixed64'),
        exemplars: f(5, 'bytes', 'repeated'),
        flags: f(8, 'uint32'),
      },
    },
    HistogramDataPoint: {
      oneofs: { _sum: { oneof: ['sum'] } },
      fields: {
        attributes: f(9, 'KeyValue', 'repeated'),
        startTimeUnixNano: f(2, 'fixed64'),
        timeUnixNano: f(3, 'fixed64'),
        count: f(4, 'fixed64'),
        sum: f(5, 'double', 'optional'),
        bucketCounts: f(6, 'fixed64', 'repeated'),
        explicitBounds: f(7, 'double', 'repeated'),
        exemplars: f(8, 'bytes', 'repeated'),
        flags: f(10, 'uint32'),
      },
    },
    SummaryDataPoint: {
      fields: {
        attributes: f(7, 'KeyValue', 'repeated'),
        startTimeUnixNano: f(2, 'fixed64'),
        timeUnixNano: f(3, 'fixed64'),
        count: f(4, 'fixed64'),
        sum: f(5, 'double'),
        quantileValues: f(6, 'ValueAtQuantile', 'repeated'),
        flags: f(8, 'uint32'),
      },
    },
    ValueAtQuantile: { fields: { quantile: f(1, 'double'), value: f(2, 'double') } },
    KeyValue: { fields: { key: f(1, 'string'), value: f(2, 'AnyValue') } },
    AnyValue: {
      oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
      fields: {
        stringValue: f(1, 'string'),
        boolValue: f(2, 'bool'),
        intValue: f(3, 'int64'),
        doubleValue: f(4, 'double'),
        arrayValue: f(5, 'ArrayValue'),
        kvlistValue: f(6, 'KeyValueList'),
        bytesValue: f(7, 'bytes'),
      },
    },
    ArrayValue: { fields: { values: f(1, 'AnyValue', 'repeated') } },
    KeyValueList: { fields: { values: f(1, 'KeyValue', 'repeated') } },
  },
});

/** `ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(msg)).finish()`. */
export const ExportMetricsServiceRequest = root.lookupType('ExportMetricsServiceRequest');
export const ExportMetricsServiceResponse = root.lookupType('ExportMetricsServiceResponse');
export const Status = root.lookupType('Status');
