#!/usr/bin/env node
/**
 * Parses Apex files with Salesforce's Apex grammar (prettier-plugin-apex runs the jorje parser as a
 * native binary, no org needed). Prints one JSON line per file: { file, ok, error? }. Exit 1 on any error.
 *   node scripts/check-apex.cjs force-app/main/default/classes/*.cls
 */
const fs = require('fs');
const prettier = require('prettier');

async function main(files) {
    let failed = 0;
    for (const file of files) {
        try {
            await prettier.format(fs.readFileSync(file, 'utf8'), { parser: 'apex', plugins: ['prettier-plugin-apex'], filepath: file });
            process.stdout.write(JSON.stringify({ file, ok: true }) + '\n');
        } catch (error) {
            failed++;
            process.stdout.write(JSON.stringify({ file, ok: false, error: String(error.message).split('\n')[0] }) + '\n');
        }
    }
    process.exitCode = failed ? 1 : 0;
}

main(process.argv.slice(2));
