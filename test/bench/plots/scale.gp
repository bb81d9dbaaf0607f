# Written by test/bench/scale.sh from its own figures (the .dat files beside this one).
set terminal pngcairo size 800,500 noenhanced
set grid
set key top left
set datafile separator "\t"
set yrange [0:*]
set output "rss-vs-keys.png"
set title "RSS after loading N keys (30 B key, 128 B value), one member"
set xlabel "keys (millions)"; set ylabel "RSS (MB)"
plot "keys-coordd.dat" using ($1/1e6):2 with linespoints title "coordd", \
     "keys-etcd.dat" using ($1/1e6):2 with linespoints title "etcd 3.4"
set output "memory-per-watcher.png"
set title "Server memory per idle long-poll watcher (RSS delta / N)"
set xlabel "watchers on one key"; set ylabel "bytes per watcher"
plot "watchers-coordd.dat" using ($1):2 with linespoints title "coordd", \
     "watchers-etcd.dat" using ($1):2 with linespoints title "etcd 3.4"
set output "memory-per-connection.png"
set title "Server memory per idle keep-alive connection (RSS delta / N)"
set xlabel "connections"; set ylabel "bytes per connection"
plot "conns-coordd.dat" using ($1):2 with linespoints title "coordd", \
     "conns-etcd.dat" using ($1):2 with linespoints title "etcd 3.4"
