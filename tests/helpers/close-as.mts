// Runs closeConnection(argv[2], argv[3]) in this process (the tests start it as another user) and
// prints its result as one JSON line.
import { closeConnection } from '../../src/core/close-connection.js';

process.stdout.write(JSON.stringify(await closeConnection(process.argv[2]!, process.argv[3]!)) + '\n');
