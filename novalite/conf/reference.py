"""The configuration reference (doc/configuration-reference.md), generated
from the options themselves: ``python -m novalite.conf.reference``
(``make sample-config`` runs it; a test fails when the file is stale)."""
import argparse
import sys

from novalite.conf import opts


def _default(opt):
    if opt.sample_default is not None:      # e.g. a path of this machine
        return '`%s`' % (opt.sample_default,)
    if opt.default is None:
        return '(unset)'
    if isinstance(opt.default, (list, tuple)):
        return '`%s`' % ','.join(str(v) for v in opt.default) if opt.default else '(empty)'
    return '`%s`' % (opt.default,)


def render():
    lines = ['# novalite configuration reference', '',
             'Generated from the options in `novalite/conf/` by '
             '`python -m novalite.conf.reference`; do not edit. Options of the '
             'libraries (oslo.messaging, oslo.log, oslo.policy, keystonemiddleware) '
             'are in `etc/novalite/novalite.conf.sample`.', '']
    for group, group_opts in opts.list_opts():
        lines += ['## [%s]' % group, '',
                  '| option | type | default | mutable | description |',
                  '| --- | --- | --- | --- | --- |']
        for opt in sorted(group_opts, key=lambda o: o.name):
            extra = ''
            if getattr(opt.type, 'choices', None):
                extra = ' Choices: %s.' % ', '.join('`%s`' % c for c in opt.type.choices)
            if getattr(opt.type, 'min', None) is not None:
                extra += ' Minimum: %s.' % opt.type.min
            text = ' '.join((opt.help or '').split()).replace('|', '\\|') + extra
            lines.append('| `%s` | %s | %s | %s | %s |' % (
                opt.name, type(opt).__name__.replace('Opt', '').lower(), _default(opt),
                'yes' if opt.mutable else 'no', text))
        lines.append('')
    return '\n'.join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m novalite.conf.reference')
    p.add_argument('--output-file')
    args = p.parse_args(argv)
    text = render()
    if args.output_file:
        with open(args.output_file, 'w') as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == '__main__':
    main()
