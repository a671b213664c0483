// Stand-in for images that only need to be Running (CNI DaemonSets, pause): sleeps until SIGTERM.
process.on('SIGTERM', () => process.exit(0));
setInterval(() => {}, 1 << 30);
console.log(new Date().toISOString(), 'idle: running until SIGTERM');
