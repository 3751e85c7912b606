"""[notifications] options."""
from oslo_config import cfg

group = cfg.OptGroup('notifications', title='Notification options')

opts = [
    cfg.StrOpt('notification_format', default='unversioned',
               choices=('unversioned', 'versioned', 'both'),
               help='Which notifications are emitted: legacy '
                    '(compute.instance.create.start, topic "notifications"), '
                    'versioned (instance.create.start, topic '
                    '"versioned_notifications") or both; the default is '
                    "Nova's. Whether anything is sent at all is "
                    '[oslo_messaging_notifications] driver.'),
    cfg.ListOpt('versioned_notifications_topics',
                default=['versioned_notifications'],
                help='Topics for versioned notifications.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group.name: opts}
