// Every command's flags are declared once and parsed strictly (src/cli/args.ts): unknown flags, values given to
// switches and malformed numbers are refused by name; flags that are cell fields share the cell's declaration;
// every command answers --help.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { helpText, parseCommand, type CommandSpec } from '../../src/cli/args.ts';
import { spec as generate } from '../../src/cli/commands/generate.ts';
import { spec as grpo } from '../../src/cli/commands/grpo.ts';
import { spec as reward } from '../../src/cli/commands/reward.ts';
import { spec as sft } from '../../src/cli/commands/sft.ts';
import { CELL_SPECS } from '../../src/notebook/cells.ts';
import { parseNumberList } from '../../src/tasks/countdown.ts';

const problem = ['--numbers', '3,5,7', '--target', '22'];
const refused = (spec: CommandSpec, args: string[]) => () => parseCommand('test', spec, args);

describe('parseCommand', () => {
  it('refuses an unknown flag, naming it, the nearest known one and every flag the command takes', () => {
    expect(refused(reward, [...problem, '--acuracy'])).toThrow(
      'unknown flag --acuracy (did you mean --accuracy?); primer test takes --task, --numbers, --target, --accuracy, --lenient, --help',
    );
  });

  it('refuses a value given to a switch, so --accuracy false does not turn it on', () => {
    expect(refused(reward, [...problem, '--accuracy', 'false'])).toThrow('--accuracy takes no value (got "false")');
    expect(parseCommand('reward', reward, [...problem, '--accuracy']).values.accuracy).toBe(true);
    expect(parseCommand('reward', reward, problem).values.accuracy).toBe(false);
  });

  it('refuses malformed numbers: empty, hexadecimal, words, fractions where a whole number is declared', () => {
    expect(refused(reward, ['--numbers', '3,5', '--target', ''])).toThrow('--target must be a number, got ""');
    expect(refused(reward, ['--numbers', '3,5', '--target', '0x10'])).toThrow('--target must be a number, got "0x10"');
    expect(refused(reward, ['--numbers', '3,5', '--target', '2.5'])).toThrow('--target must be a whole number');
    expect(refused(sft, ['--model', 'm', '--data', 'd', '--out', 'o', '--lr', 'abc'])).toThrow(
      '--lr must be a number, got "abc"',
    );
    expect(() => parseNumberList('0x10,1e3')).toThrow('"0x10" in "0x10,1e3" is not a non-negative integer');
    expect(() => parseNumberList('3,1e3')).toThrow('"1e3" in "3,1e3" is not a non-negative integer');
    expect(parseCommand('sft', sft, ['--model', 'm', '--data', 'd', '--out', 'o', '--lr', '1e-5']).values.lr).toBe(
      1e-5,
    );
  });

  it('refuses a value outside the declared range or choices, and a missing required flag', () => {
    expect(refused(generate, ['--model', 'm', '--prompt', 'p', '--temperature', '3'])).toThrow(
      '--temperature must be between 0 and 2, got 3',
    );
    expect(refused(grpo, ['--model', 'm', '--out', 'o', '--template', 'fancy'])).toThrow(
      '--template must be one of base, chat, got "fancy"',
    );
    expect(refused(reward, ['--numbers', '3,5'])).toThrow("missing --target (the problem's target)");
  });

  it('takes the defaults, ranges and help of the cell fields the flags stand for', () => {
    const sample = CELL_SPECS.sample.fields;
    const g = parseCommand('generate', generate, ['--model', 'm', '--prompt', 'p']).values;
    expect([g.temperature, g.seed, g['max-tokens'], g['top-p']]).toEqual([
      sample.temperature.default,
      sample.seed.default,
      sample.max_tokens.default,
      sample.top_p.default,
    ]);
    expect(generate.flags.temperature).toMatchObject({ min: 0, max: 2, help: sample.temperature.help });
    const r = parseCommand('grpo', grpo, ['--model', 'm', '--out', 'o']).values;
    const rl = CELL_SPECS.rl.fields;
    expect([r.temperature, r.seed, r.steps, r.prompts, r.group, r.lr]).toEqual([
      rl.temperature.default,
      rl.seed.default,
      rl.steps.default,
      rl.prompts.default,
      rl.group.default,
      rl.lr.default,
    ]);
    expect(grpo.flags.temperature.min).toBe(rl.temperature.min);
    const s = parseCommand('sft', sft, ['--model', 'm', '--data', 'd', '--out', 'o']).values;
    const prime = CELL_SPECS.prime.fields;
    expect([s.lr, s.epochs, s.batch, s.seed, s.rank]).toEqual([
      prime.lr.default,
      prime.epochs.default,
      prime.batch_size.default,
      prime.seed.default,
      prime.rank.default,
    ]);
  });

  it('lists every flag with its values, default and help', () => {
    const text = helpText('generate', generate);
    for (const name of Object.keys(generate.flags)) expect(text).toContain(`--${name}`);
    expect(text).toContain('--temperature X (0 to 2)\n      sampling temperature (0 = greedy) (default: 1)');
  });
});

describe('primer COMMAND --help', { timeout: 600_000 }, () => {
  const commands = readdirSync('src/cli/commands')
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3));

  it.each(commands)('%s answers --help with exit 0 and its flags', async (name) => {
    const { spec } = (await import(`../../src/cli/commands/${name}.ts`)) as { spec: CommandSpec };
    const r = spawnSync(process.execPath, ['bin/primer.js', name, '--help'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(helpText(name, spec));
    for (const flag of Object.keys(spec.flags)) expect(r.stdout).toContain(`--${flag}`);
  });

  it('primer --help lists every command', () => {
    const r = spawnSync(process.execPath, ['bin/primer.js', '--help'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    for (const name of commands) expect(r.stdout).toContain(`  ${name}`);
  });
});
