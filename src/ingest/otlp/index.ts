// OTLP/HTTP metrics ingest: POST /v1/metrics (protobuf and JSON) into Prometheus series.
export { otlpRoute } from './handler.js';
export { decodeProtoRequest } from './decode-proto.js';
export { decodeJsonRequest } from './decode-json.js';
