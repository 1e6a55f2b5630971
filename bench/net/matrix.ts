/** npm run bench:matrix -- [--repeat 3] [--methods …]: the four scenarios of the README, 128 MiB each */
import { parseArgs } from 'node:util'
import { cli, runBench } from './main.js'

const { values } = parseArgs({ options: { repeat: { type: 'string', default: '1' }, methods: { type: 'string', default: 'precache,http,bittorrent' }, size: { type: 'string', default: '134217728' }, out: { type: 'string', default: 'bench-results' } } })

await cli(async () => {
  await runBench([
    { name: 'N=8 @100 Mbit/s', hosts: 8, rateMbit: 100, originMbit: 100, slowHosts: 0, slowMbit: 100 },
    { name: 'N=16 @50 Mbit/s', hosts: 16, rateMbit: 50, originMbit: 50, slowHosts: 0, slowMbit: 50 },
    { name: 'N=8 @100, half at 25 Mbit/s', hosts: 8, rateMbit: 100, originMbit: 100, slowHosts: 4, slowMbit: 25 },
    { name: 'N=8 @100, origin 25 Mbit/s', hosts: 8, rateMbit: 100, originMbit: 25, slowHosts: 0, slowMbit: 100 }
  ], { sizeBytes: Number(values.size), methods: (values.methods as string).split(','), repeat: Number(values.repeat), out: values.out as string })
})
