import { Command } from 'commander'
import { addSchemaOptions, configFromCommand } from './options.js'
import { createLogger, setLogFormat, setLogLevel } from '../log.js'
import type { Logger } from '../log.js'
import type { Config } from '../config/load.js'
import { ignoreHangup, untilSignalled } from '../roles/common.js'
import { setShowStacks } from './fatal.js'

/** A long-running role command: schema flags → validated config → start → run until SIGINT/SIGTERM */
export function roleCommand (name: 'seeder' | 'peer', summary: string, description: string,
  start: (config: Config, log: Logger) => Promise<{ stop: () => Promise<void>, refresh?: () => Promise<unknown> }>): Command {
  const cmd = new Command(name).summary(summary).description(description)
  addSchemaOptions(cmd, name)
  cmd.action(async () => {
    const config = configFromCommand(cmd, name)
    setLogFormat(config.DEFAULT.log_format)
    setLogLevel(config.DEFAULT.log_level)
    setShowStacks(config.DEFAULT.log_level === 'debug')
    const log = createLogger(name)
    const onHangup = ignoreHangup(log)
    const role = await start(config, log)
    if (role.refresh != null) onHangup(role.refresh)
    await untilSignalled(role.stop, log)
  })
  return cmd
}
