'use strict';
// Preloaded with `node --require loopback.cjs`: every server this process starts listens on
// 127.0.0.1 only. The Portkey gateway calls `serve({fetch, port})` without a host, which Node
// binds to every interface; midstream never exposes a router beyond the loopback interface.
const net = require('net');

const originalListen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const first = args[0];
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    // listen(options[, callback]); a Unix socket path or an inherited handle is left alone.
    if (first.path === undefined && first.handle === undefined && first._handle === undefined && first.fd === undefined) {
      args[0] = { ...first, host: '127.0.0.1', ipv6Only: false };
    }
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, callback]): replace or insert the host.
    if (typeof args[1] === 'string') args[1] = '127.0.0.1';
    else args.splice(1, 0, '127.0.0.1');
  } else if (first === undefined || typeof first === 'function') {
    // listen() or listen(callback): a random port on the loopback interface.
    args.unshift(0, '127.0.0.1');
  }
  return originalListen.apply(this, args);
};
