// The HTTP layer: server, routing, body reading and answers. Protocol handlers plug in as routes.
export { ApiServer, type Route, type RequestInfo, type ServerHooks } from './server.js';
export { HttpError } from './http-error.js';
export { header } from './header.js';
export { requestParams } from './params.js';
export { readBody, readBodyNow, readRawBody, readRawBodyNow, streamBody } from './body.js';
export { sendJson, sendJsonText, sendError, type ErrorStyle } from './respond.js';
