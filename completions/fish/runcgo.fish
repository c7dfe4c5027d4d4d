# fish completion for runcgo(8).
#
# Commands and flags follow src/main.c's command table and the option tables
# of src/cmd/*.c; tests/package/completions.sh fails when they drift apart.
# Installed as $(datadir)/fish/vendor_completions.d/runcgo.fish.

set -l commands create start run exec checkpoint restore state list kill delete pause resume update ps events features spec mounts completion check version

function __runcgo_ids
    command -sq runcgo; or return
    set -l root
    set -l words (commandline -opc)
    for i in (seq (count $words))
        if test "$words[$i]" = --root; and test $i -lt (count $words)
            set root --root $words[(math $i + 1)]
        end
    end
    runcgo $root list -q 2>/dev/null
end

complete -c runcgo -f

# global options (before the command)
set -l g "not __fish_seen_subcommand_from $commands"
complete -c runcgo -n $g -l root -r -a '(__fish_complete_directories)' -d 'state directory'
complete -c runcgo -n $g -l log -r -F -d 'also append log entries to FILE'
complete -c runcgo -n $g -l log-format -x -a 'text json' -d 'format of --log entries'
complete -c runcgo -n $g -l debug -d 'log debug messages'
complete -c runcgo -n $g -l systemd-cgroup -d 'manage cgroups through systemd'
complete -c runcgo -n $g -l rootless -x -a 'auto true false' -d 'rootless mode'
complete -c runcgo -n $g -l criu -r -F -d 'the criu binary for checkpoint/restore'
complete -c runcgo -n $g -l device-policy -x -a 'default strict' -d 'which linux.devices are allowed'
complete -c runcgo -n $g -l cgroup-manager -x -a 'systemd cgroupfs disabled' -d 'crun: the cgroup driver (disabled: none)'
complete -c runcgo -n $g -l log-level -x -a 'debug info warning error' -d 'crun: debug is --debug'
complete -c runcgo -n $g -s v -l version -d 'print the version'
complete -c runcgo -n $g -s h -l help -d 'print the help'

# commands
complete -c runcgo -n $g -a create -d 'create a container (its process waits for start)'
complete -c runcgo -n $g -a start -d 'start the process of a created container'
complete -c runcgo -n $g -a run -d 'create and start a container, wait for it, delete it'
complete -c runcgo -n $g -a exec -d 'run a new process in a running container'
complete -c runcgo -n $g -a checkpoint -d 'checkpoint a running container with CRIU'
complete -c runcgo -n $g -a restore -d 'restore a container from a CRIU checkpoint'
complete -c runcgo -n $g -a state -d 'print the state of a container as JSON'
complete -c runcgo -n $g -a list -d 'list containers'
complete -c runcgo -n $g -a kill -d 'send a signal to the init of the container'
complete -c runcgo -n $g -a delete -d 'delete a stopped container'
complete -c runcgo -n $g -a pause -d 'suspend every process of the container'
complete -c runcgo -n $g -a resume -d 'resume the processes of a paused container'
complete -c runcgo -n $g -a update -d 'change the resource limits of a running container'
complete -c runcgo -n $g -a ps -d 'list the processes of a container'
complete -c runcgo -n $g -a events -d 'print cgroup statistics and OOM events'
complete -c runcgo -n $g -a features -d 'print the runtime-spec features JSON'
complete -c runcgo -n $g -a spec -d 'write a default config.json'
complete -c runcgo -n $g -a mounts -d 'add or remove mounts of a running container'
complete -c runcgo -n $g -a completion -d 'print the completion script of a shell'
complete -c runcgo -n $g -a check -d 'show what rootless containers need from this host'
complete -c runcgo -n $g -a version -d 'print the version'

# every command: --help; a container ID where the command takes one
complete -c runcgo -n "__fish_seen_subcommand_from $commands" -s h -l help -d 'print the usage of the command'
complete -c runcgo -n '__fish_seen_subcommand_from start state kill delete pause resume update ps events exec checkpoint' -a '(__runcgo_ids)'

# create and run
set -l cr '__fish_seen_subcommand_from create run'
complete -c runcgo -n $cr -s b -l bundle -r -a '(__fish_complete_directories)' -d 'bundle directory'
complete -c runcgo -n $cr -s f -l config -r -F -d 'the config to use instead of BUNDLE/config.json'
complete -c runcgo -n $cr -l pid-file -r -F -d 'write the PID of the init to FILE'
complete -c runcgo -n $cr -l console-socket -r -F -d 'AF_UNIX socket that receives the terminal master'
complete -c runcgo -n $cr -l no-pivot -d 'use chroot instead of pivot_root'
complete -c runcgo -n $cr -l no-new-keyring -d 'keep the session keyring of the caller'
complete -c runcgo -n $cr -l preserve-fds -x -d 'pass N extra fds to the process'
complete -c runcgo -n $cr -l pidfd-socket -r -F -d 'AF_UNIX socket that receives a pidfd of the process'
complete -c runcgo -n $cr -l net -x -a 'slirp none' -d 'user-mode networking through runcgo-slirp'
complete -c runcgo -n $cr -s p -l publish -x -d 'forward [HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp]'
complete -c runcgo -n '__fish_seen_subcommand_from run' -s d -l detach -d 'leave the container running'
complete -c runcgo -n '__fish_seen_subcommand_from run' -l keep -d 'do not delete the container after it exits'
complete -c runcgo -n '__fish_seen_subcommand_from run' -l no-subreaper -d 'do not become a child subreaper'

# exec
set -l ex '__fish_seen_subcommand_from exec'
complete -c runcgo -n $ex -s p -l process -r -F -d 'process.json to run'
complete -c runcgo -n $ex -s t -l tty -d 'allocate a pseudo-terminal'
complete -c runcgo -n $ex -l console-socket -r -F -d 'AF_UNIX socket that receives the terminal master'
complete -c runcgo -n $ex -s d -l detach -d 'do not wait for the process'
complete -c runcgo -n $ex -l pid-file -r -F -d 'write the PID of the process to FILE'
complete -c runcgo -n $ex -s e -l env -x -d 'set an environment variable (NAME=VALUE)'
complete -c runcgo -n $ex -s u -l user -x -d 'run as this user (UID[:GID])'
complete -c runcgo -n $ex -s g -l additional-gids -x -d 'add a supplementary group'
complete -c runcgo -n $ex -l cwd -x -d 'working directory'
complete -c runcgo -n $ex -s c -l cap -x -a 'CAP_AUDIT_CONTROL CAP_AUDIT_READ CAP_AUDIT_WRITE CAP_BLOCK_SUSPEND CAP_BPF CAP_CHECKPOINT_RESTORE CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_IPC_LOCK CAP_IPC_OWNER CAP_KILL CAP_LEASE CAP_LINUX_IMMUTABLE CAP_MAC_ADMIN CAP_MAC_OVERRIDE CAP_MKNOD CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_RAW CAP_PERFMON CAP_SETFCAP CAP_SETGID CAP_SETPCAP CAP_SETUID CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_CHROOT CAP_SYS_MODULE CAP_SYS_NICE CAP_SYS_PACCT CAP_SYS_PTRACE CAP_SYS_RAWIO CAP_SYS_RESOURCE CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_SYSLOG CAP_WAKE_ALARM' -d 'add a capability'
complete -c runcgo -n $ex -l no-new-privs -d 'set no_new_privs'
complete -c runcgo -n $ex -l preserve-fds -x -d 'pass N extra fds to the process'
complete -c runcgo -n $ex -l apparmor -x -d 'AppArmor profile'
complete -c runcgo -n $ex -l process-label -x -d 'SELinux label'
complete -c runcgo -n $ex -l cgroup -x -d 'sub-cgroup of the container to join'
complete -c runcgo -n $ex -l ignore-paused -d 'exec even into a paused container'
complete -c runcgo -n $ex -l pidfd-socket -r -F -d 'AF_UNIX socket that receives a pidfd of the process'

# checkpoint and restore
set -l cp '__fish_seen_subcommand_from checkpoint restore'
complete -c runcgo -n $cp -l image-path -r -a '(__fish_complete_directories)' -d 'directory of the checkpoint images'
complete -c runcgo -n $cp -l work-path -r -a '(__fish_complete_directories)' -d 'directory of the criu log'
complete -c runcgo -n $cp -l tcp-established -d 'established TCP connections'
complete -c runcgo -n $cp -l ext-unix-sk -d 'allow external unix sockets'
complete -c runcgo -n $cp -l shell-job -d 'the container was started from a shell'
complete -c runcgo -n $cp -l file-locks -d 'file locks'
complete -c runcgo -n $cp -l manage-cgroups-mode -x -a 'soft full strict ignore' -d 'how criu handles the cgroups'
complete -c runcgo -n '__fish_seen_subcommand_from checkpoint' -l leave-running -d 'let the container run on after the dump'
complete -c runcgo -n $cp -l auto-dedup -d 'criu: deduplicate the images'
complete -c runcgo -n $cp -l lazy-pages -d 'criu: lazy migration of memory'
complete -c runcgo -n $cp -l empty-ns -x -a network -d 'criu: leave this namespace empty'
complete -c runcgo -n $cp -l network-lock -x -a 'iptables nftables skip' -d 'criu: how the network is locked'
complete -c runcgo -n '__fish_seen_subcommand_from checkpoint' -l status-fd -x -d 'criu: fd told when the dump is ready'
complete -c runcgo -n '__fish_seen_subcommand_from checkpoint' -l page-server -x -d 'criu: ADDRESS:PORT of a page server'
complete -c runcgo -n '__fish_seen_subcommand_from checkpoint' -l tcp-skip-in-flight -d 'criu: skip half-open TCP connections'
complete -c runcgo -n '__fish_seen_subcommand_from checkpoint' -l link-remap -d 'criu: link-remap unlinked open files'
complete -c runcgo -n '__fish_seen_subcommand_from restore' -l tcp-close -d 'criu: restore TCP connections closed'
complete -c runcgo -n '__fish_seen_subcommand_from restore' -l lsm-profile -x -d 'criu: LSM profile of the restored process'
complete -c runcgo -n '__fish_seen_subcommand_from restore' -l lsm-mount-context -x -d 'criu: LSM mount context'
complete -c runcgo -n '__fish_seen_subcommand_from checkpoint' -l pre-dump -d 'dump memory only'
complete -c runcgo -n '__fish_seen_subcommand_from checkpoint' -l parent-path -r -a '(__fish_complete_directories)' -d 'the previous (pre-)dump'
set -l rs '__fish_seen_subcommand_from restore'
complete -c runcgo -n $rs -s b -l bundle -r -a '(__fish_complete_directories)' -d 'bundle directory'
complete -c runcgo -n $rs -s d -l detach -d 'leave the restored container running'
complete -c runcgo -n $rs -l console-socket -r -F -d 'AF_UNIX socket that receives the terminal master'
complete -c runcgo -n $rs -l pid-file -r -F -d 'write the PID of the restored init to FILE'
complete -c runcgo -n $rs -l no-pivot -d 'accepted for runc compatibility'
complete -c runcgo -n $rs -l no-subreaper -d 'do not become a child subreaper'

# list, kill, delete, ps, events, spec, check
complete -c runcgo -n '__fish_seen_subcommand_from list ps' -s f -l format -x -a 'table json' -d 'output format'
complete -c runcgo -n '__fish_seen_subcommand_from list' -s q -l quiet -d 'print only the container IDs'
complete -c runcgo -n '__fish_seen_subcommand_from kill' -s a -l all -d 'signal every process of the container'
complete -c runcgo -n '__fish_seen_subcommand_from kill delete' -s r -l regex -d 'ID is a regex: every container it matches'
complete -c runcgo -n '__fish_seen_subcommand_from kill' -a 'TERM KILL HUP INT QUIT USR1 USR2 STOP CONT WINCH' -d signal
complete -c runcgo -n '__fish_seen_subcommand_from delete' -s f -l force -d 'kill the container first'
complete -c runcgo -n '__fish_seen_subcommand_from events' -l stats -d 'print the statistics once and exit'
complete -c runcgo -n '__fish_seen_subcommand_from events' -l interval -x -d 'time between statistics'
complete -c runcgo -n '__fish_seen_subcommand_from spec' -s b -l bundle -r -a '(__fish_complete_directories)' -d 'where to write config.json'
complete -c runcgo -n '__fish_seen_subcommand_from spec' -l rootless -d 'a config for an unprivileged user'
complete -c runcgo -n '__fish_seen_subcommand_from check' -s f -l format -x -a 'text json' -d 'output format'

# update
set -l up '__fish_seen_subcommand_from update'
complete -c runcgo -n $up -s r -l resources -r -F -d 'linux.resources JSON to apply'
complete -c runcgo -n $up -l memory -x -d 'memory limit'
complete -c runcgo -n $up -l memory-reservation -x -d 'memory soft limit'
complete -c runcgo -n $up -l memory-swap -x -d 'memory+swap limit'
complete -c runcgo -n $up -l cpu-share -x -d 'CPU shares'
complete -c runcgo -n $up -l cpu-shares -x -d 'CPU shares'
complete -c runcgo -n $up -l cpu-quota -x -d 'CFS quota in microseconds'
complete -c runcgo -n $up -l cpu-period -x -d 'CFS period in microseconds'
complete -c runcgo -n $up -l cpu-burst -x -d 'CFS burst in microseconds'
complete -c runcgo -n $up -l cpu-rt-period -x -d 'realtime period in microseconds'
complete -c runcgo -n $up -l cpu-rt-runtime -x -d 'realtime runtime in microseconds'
complete -c runcgo -n $up -l cpu-idle -x -a '0 1' -d 'SCHED_IDLE for the cgroup'
complete -c runcgo -n $up -l cpuset-cpus -x -d 'CPUs to run on'
complete -c runcgo -n $up -l cpuset-mems -x -d 'memory nodes to use'
complete -c runcgo -n $up -l pids-limit -x -d 'maximum number of tasks'
complete -c runcgo -n $up -l blkio-weight -x -d 'block IO weight'
complete -c runcgo -n $up -l kernel-memory -x -d 'ignored (obsolete)'
complete -c runcgo -n $up -l kernel-memory-tcp -x -d 'ignored (obsolete)'
complete -c runcgo -n $up -l l3-cache-schema -x -d 'Intel RDT L3 cache schema'
complete -c runcgo -n $up -l mem-bw-schema -x -d 'Intel RDT memory bandwidth schema'

# mounts add|remove ID FILE; completion SHELL
set -l mo '__fish_seen_subcommand_from mounts'
complete -c runcgo -n "$mo; and not __fish_seen_subcommand_from add remove" -a 'add remove' -d 'mounts subcommand'
complete -c runcgo -n "$mo; and __fish_seen_subcommand_from add remove" -a '(__runcgo_ids)'
complete -c runcgo -n "$mo; and __fish_seen_subcommand_from add remove" -F
complete -c runcgo -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish' -d shell
