// Lines of test/conformance/expected-etcd-3.4.txt (real etcd 3.4.23) that the store and the
// applier decide: every keys request of groups A–W except HEAD and pure HTTP cases.
#pragma once

inline constexpr const char* kExpectedEtcd34 = R"EXPECTED(
A01-root-empty | 200 | E=i+0 R T C cors ct=application/json | action=get node{key=<none> dir mi=- ci=-}
A02-root-noslash | 200 | E=i+0 R T C cors ct=application/json | action=get node{key=<none> dir mi=- ci=-}
A03-set-new | 201 | E=i+1 R T C cors ct=application/json | action=set node{key=/message val="Hello world" mi=i+1 ci=i+1}
A04-get | 200 | E=i+1 R T C cors ct=application/json | action=get node{key=/message val="Hello world" mi=i+1 ci=i+1}
A05-set-existing | 200 | E=i+2 R T C cors ct=application/json | action=set node{key=/message val="Hello etcd" mi=i+2 ci=i+2} prev{key=/message val="Hello world" mi=i+1 ci=i+1}
A07-delete | 200 | E=i+3 R T C cors ct=application/json | action=delete node{key=/message mi=i+3 ci=i+2} prev{key=/message val="Hello etcd" mi=i+2 ci=i+2}
A08-get-missing | 404 | E=i+3 C cors ct=application/json | err=100 msg="Key not found" cause="/message" index=i+3
A10-delete-missing | 404 | E=i+3 C cors ct=application/json | err=100 msg="Key not found" cause="/message" index=i+3
A11-put-no-value | 201 | E=i+4 R T C cors ct=application/json | action=set node{key=/novalue val="" mi=i+4 ci=i+4}
A12-body-beats-query | 201 | E=i+5 R T C cors ct=application/json | action=set node{key=/prec val="body" mi=i+5 ci=i+5}
A13-query-only-value | 201 | E=i+6 R T C cors ct=application/json | action=set node{key=/qonly val="query" mi=i+6 ci=i+6}
A14-json-body-ignored | 201 | E=i+7 R T C cors ct=application/json | action=set node{key=/jsonbody val="" mi=i+7 ci=i+7}
A15-first-of-multi | 201 | E=i+8 R T C cors ct=application/json | action=set node{key=/multi val="a" mi=i+8 ci=i+8}
A16-escaped-key | 201 | E=i+9 R T C cors ct=application/json | action=set node{key=/sp ace/✓ val="u" mi=i+9 ci=i+9}
A17-slash-escape | 201 | E=i+10 R T C cors ct=application/json | action=set node{key=/a/b val="slash" mi=i+10 ci=i+10}
A18-slash-escape-get | 200 | E=i+10 R T C cors ct=application/json | action=get node{key=/a/b val="slash" mi=i+10 ci=i+10}
A19-trailing-slash | 201 | E=i+11 R T C cors ct=application/json | action=set node{key=/trail val="t" mi=i+11 ci=i+11}
A20-trailing-slash-get | 200 | E=i+11 R T C cors ct=application/json | action=get node{key=/trail val="t" mi=i+11 ci=i+11}
A23-json-escaping | 201 | E=i+12 R T C cors ct=application/json | action=set node{key=/esc val="<a&b> \"q\" \\ é" mi=i+12 ci=i+12}
A24-quorum-get | 200 | E=i+12 R T C cors ct=application/json | action=get node{key=/esc val="<a&b> \"q\" \\ é" mi=i+12 ci=i+12}
A24b-quorum-get-missing | 404 | E=i+12 C cors ct=application/json | err=100 msg="Key not found" cause="/nothere" index=i+12
A24c-quorum-wait-is-plain-get | 200 | E=i+12 R T C cors ct=application/json | action=get node{key=/esc val="<a&b> \"q\" \\ é" mi=i+12 ci=i+12}
A25-bool-spellings | 200 | E=i+12 R T C cors ct=application/json | action=get node{key=/esc val="<a&b> \"q\" \\ é" mi=i+12 ci=i+12}
A26-get-file-recursive | 200 | E=i+12 R T C cors ct=application/json | action=get node{key=/esc val="<a&b> \"q\" \\ é" mi=i+12 ci=i+12}
A27-get-novalue-flag | 200 | E=i+12 R T C cors ct=application/json | action=get node{key=/esc val="<a&b> \"q\" \\ é" mi=i+12 ci=i+12}
B01-mkdir | 201 | E=i+13 R T C cors ct=application/json | action=set node{key=/dir dir mi=i+13 ci=i+13}
B02-mkdir-again | 403 | E=i+13 C cors ct=application/json | err=102 msg="Not a file" cause="/dir" index=i+13
B03-value-on-dir | 403 | E=i+13 C cors ct=application/json | err=102 msg="Not a file" cause="/dir" index=i+13
B04-file-in-dir | 201 | E=i+14 R T C cors ct=application/json | action=set node{key=/dir/a val="1" mi=i+14 ci=i+14}
B05-implicit-parents | 201 | E=i+15 R T C cors ct=application/json | action=set node{key=/dir/b/c val="2" mi=i+15 ci=i+15}
B06-hidden-in-dir | 201 | E=i+16 R T C cors ct=application/json | action=set node{key=/dir/_hidden val="h" mi=i+16 ci=i+16}
B07-list | 200 | E=i+16 R T C cors ct=application/json | action=get node{key=/dir dir mi=i+13 ci=i+13 nodes=[key=/dir/a val="1" mi=i+14 ci=i+14, key=/dir/b dir mi=i+15 ci=i+15]}
B08-list-recursive-sorted | 200 | E=i+16 R T C cors ct=application/json | action=get node{key=/dir dir mi=i+13 ci=i+13 nodes=[key=/dir/a val="1" mi=i+14 ci=i+14, key=/dir/b dir mi=i+15 ci=i+15 nodes=[key=/dir/b/c val="2" mi=i+15 ci=i+15] order=asc] order=asc}
B09-get-hidden-direct | 200 | E=i+16 R T C cors ct=application/json | action=get node{key=/dir/_hidden val="h" mi=i+16 ci=i+16}
B10-get-under-file | 400 | E=i+16 C cors ct=application/json | err=104 msg="Not a directory" cause="/dir/a" index=i+16
B11-put-under-file | 400 | E=i+16 C cors ct=application/json | err=104 msg="Not a directory" cause="/dir/a" index=i+16
B12-post-under-file | 400 | E=i+16 C cors ct=application/json | err=104 msg="Not a directory" cause="/dir/a" index=i+16
B13-create-under-file | 400 | E=i+16 C cors ct=application/json | err=104 msg="Not a directory" cause="/dir/a" index=i+16
B13b-store-stats-delta | - | - | createFail+2 setsFail+3
B14-dir-replaces-file | 200 | E=i+17 R T C cors ct=application/json | action=set node{key=/dir/a dir mi=i+17 ci=i+17} prev{key=/dir/a val="1" mi=i+14 ci=i+14}
B15-get-replaced | 200 | E=i+17 R T C cors ct=application/json | action=get node{key=/dir/a dir mi=i+17 ci=i+17}
B16-mkdir-with-value | 201 | E=i+18 R T C cors ct=application/json | action=set node{key=/dvx dir mi=i+18 ci=i+18}
B17-delete-dir-noflag | 403 | E=i+18 C cors ct=application/json | err=102 msg="Not a file" cause="/dir" index=i+18
B18-delete-nonempty-dir | 403 | E=i+18 C cors ct=application/json | err=108 msg="Directory not empty" cause="/dir" index=i+18
B19-delete-recursive | 200 | E=i+19 R T C cors ct=application/json | action=delete node{key=/dir dir mi=i+19 ci=i+13} prev{key=/dir dir mi=i+13 ci=i+13}
B20-get-deleted-child | 404 | E=i+19 C cors ct=application/json | err=100 msg="Key not found" cause="/dir" index=i+19
B21-delete-empty-dir | 200 | E=i+20 R T C cors ct=application/json | action=delete node{key=/dvx dir mi=i+20 ci=i+18} prev{key=/dvx dir mi=i+18 ci=i+18}
B22-delete-file-dirflag | 200 | E=i+21 R T C cors ct=application/json | action=delete node{key=/novalue mi=i+21 ci=i+4} prev{key=/novalue val="" mi=i+4 ci=i+4}
B23-delete-file-recursive | 200 | E=i+22 R T C cors ct=application/json | action=delete node{key=/qonly mi=i+22 ci=i+6} prev{key=/qonly val="query" mi=i+6 ci=i+6}
B24-only-hidden-children | 201 | E=i+23 R T C cors ct=application/json | action=set node{key=/hd/_h/x val="1" mi=i+23 ci=i+23}
B25-list-only-hidden | 200 | E=i+23 R T C cors ct=application/json | action=get node{key=/hd dir mi=i+23 ci=i+23}
B26-list-root-sorted | 200 | E=i+23 R T C cors ct=application/json | action=get node{key=<none> dir mi=- ci=- nodes=[key=/a dir mi=i+10 ci=i+10, key=/esc val="<a&b> \"q\" \\ é" mi=i+12 ci=i+12, key=/hd dir mi=i+23 ci=i+23, key=/jsonbody val="" mi=i+7 ci=i+7, key=/multi val="a" mi=i+8 ci=i+8, key=/prec val="body" mi=i+5 ci=i+5, key=/sp ace dir mi=i+9 ci=i+9, key=/trail val="t" mi=i+11 ci=i+11] order=asc}
C01-put-root | 400 | E=i+23 C cors ct=application/json | err=107 msg="Root is read only" cause="/" index=i+23
C02-delete-root-rec | 400 | E=i+23 C cors ct=application/json | err=107 msg="Root is read only" cause="/" index=i+23
C03-delete-root-dir | 400 | E=i+23 C cors ct=application/json | err=107 msg="Root is read only" cause="/" index=i+23
C04-update-root | 400 | E=i+23 C cors ct=application/json | err=107 msg="Root is read only" cause="/" index=i+23
C05-cas-root | 400 | E=i+23 C cors ct=application/json | err=107 msg="Root is read only" cause="/" index=i+23
C06-cad-root | 403 | E=i+23 C cors ct=application/json | err=102 msg="Not a file" cause=<absent> index=i+23
C07-create-root | 400 | E=i+23 C cors ct=application/json | err=107 msg="Root is read only" cause="/" index=i+23
C08-post-root | 201 | E=i+24 R T C cors ct=application/json | action=create node{key=/#seq(i+24) val="r" mi=i+24 ci=i+24}
D01-set | 201 | E=i+25 R T C cors ct=application/json | action=set node{key=/foo val="one" mi=i+25 ci=i+25}
D02-create-exists | 412 | E=i+25 C cors ct=application/json | err=105 msg="Key already exists" cause="/foo" index=i+25
D03-cas-value-mismatch | 412 | E=i+25 C cors ct=application/json | err=101 msg="Compare failed" cause="[two != one]" index=i+25
D04-cas-index-mismatch | 412 | E=i+25 C cors ct=application/json | err=101 msg="Compare failed" cause="[987654321 != i+25]" index=i+25
D05-cas-both-mismatch | 412 | E=i+25 C cors ct=application/json | err=101 msg="Compare failed" cause="[two != one] [987654321 != i+25]" index=i+25
D06-cas-index-only-bad | 412 | E=i+25 C cors ct=application/json | err=101 msg="Compare failed" cause="[987654321 != i+25]" index=i+25
D07-cas-value-ok | 200 | E=i+26 R T C cors ct=application/json | action=compareAndSwap node{key=/foo val="two" mi=i+26 ci=i+25} prev{key=/foo val="one" mi=i+25 ci=i+25}
D08-cas-index-ok | 200 | E=i+27 R T C cors ct=application/json | action=compareAndSwap node{key=/foo val="three" mi=i+27 ci=i+25} prev{key=/foo val="two" mi=i+26 ci=i+25}
D09-cas-both-ok | 200 | E=i+28 R T C cors ct=application/json | action=compareAndSwap node{key=/foo val="four" mi=i+28 ci=i+25} prev{key=/foo val="three" mi=i+27 ci=i+25}
D10-prevIndex-zero-is-set | 200 | E=i+29 R T C cors ct=application/json | action=set node{key=/foo val="five" mi=i+29 ci=i+29} prev{key=/foo val="four" mi=i+28 ci=i+25}
D11-update | 200 | E=i+30 R T C cors ct=application/json | action=update node{key=/foo val="six" mi=i+30 ci=i+29} prev{key=/foo val="five" mi=i+29 ci=i+29}
D12-update-missing | 404 | E=i+30 C cors ct=application/json | err=100 msg="Key not found" cause="/nokey" index=i+30
D13-cas-missing | 404 | E=i+30 C cors ct=application/json | err=100 msg="Key not found" cause="/nokey" index=i+30
D14-cas-index-missing | 404 | E=i+30 C cors ct=application/json | err=100 msg="Key not found" cause="/nokey" index=i+30
D15-create | 201 | E=i+31 R T C cors ct=application/json | action=create node{key=/newkey val="new" mi=i+31 ci=i+31}
D16-prevExist-true+value | 200 | E=i+32 R T C cors ct=application/json | action=compareAndSwap node{key=/foo val="seven" mi=i+32 ci=i+29} prev{key=/foo val="six" mi=i+30 ci=i+29}
D17-prevExist-false+value | 412 | E=i+32 C cors ct=application/json | err=105 msg="Key already exists" cause="/foo" index=i+32
D18-prevExist-False-caps | 412 | E=i+32 C cors ct=application/json | err=105 msg="Key already exists" cause="/foo" index=i+32
D19-mkdir | 201 | E=i+33 R T C cors ct=application/json | action=set node{key=/cdir dir mi=i+33 ci=i+33}
D20-cas-on-dir | 403 | E=i+33 C cors ct=application/json | err=102 msg="Not a file" cause="/cdir" index=i+33
D21-casidx-on-dir | 403 | E=i+33 C cors ct=application/json | err=102 msg="Not a file" cause="/cdir" index=i+33
D22-update-dir-value | 403 | E=i+33 C cors ct=application/json | err=102 msg="Not a file" cause="/cdir" index=i+33
D23-update-dir-novalue | 200 | E=i+34 R T C cors ct=application/json | action=update node{key=/cdir dir mi=i+34 ci=i+33} prev{key=/cdir dir mi=i+33 ci=i+33}
D24-get-dir-after-update | 200 | E=i+34 R T C cors ct=application/json | action=get node{key=/cdir dir mi=i+33 ci=i+33}
D25-create-dir | 201 | E=i+35 R T C cors ct=application/json | action=create node{key=/cdir2 dir mi=i+35 ci=i+35}
D26-create-dir-exists | 412 | E=i+35 C cors ct=application/json | err=105 msg="Key already exists" cause="/cdir2" index=i+35
D27-update-missing-dir | 404 | E=i+35 C cors ct=application/json | err=100 msg="Key not found" cause="/nodir" index=i+35
D28-get-missing | 404 | E=i+35 C cors ct=application/json | err=100 msg="Key not found" cause="/nokey" index=i+35
D29-store-stats-delta | - | - | compareAndSwapFail+8 compareAndSwapSuccess+4 createFail+4 createSuccess+2 setsSuccess+3 updateFail+2 updateSuccess+3
G01-post | 201 | E=i+36 R T C cors ct=application/json | action=create node{key=/queue/#seq(i+36) val="Job1" mi=i+36 ci=i+36}
G02-post | 201 | E=i+37 R T C cors ct=application/json | action=create node{key=/queue/#seq(i+37) val="Job2" mi=i+37 ci=i+37}
G03-post-dir | 201 | E=i+38 R T C cors ct=application/json | action=create node{key=/queue/#seq(i+38) dir mi=i+38 ci=i+38}
G04-post-novalue | 201 | E=i+39 R T C cors ct=application/json | action=create node{key=/queue/#seq(i+39) val="" mi=i+39 ci=i+39}
G05-post-ttl | 201 | E=i+40 R T C cors ct=application/json | action=create node{key=/queue/#seq(i+40) val="Job3" ttl=1000 exp=Z mi=i+40 ci=i+40}
G06-post-prevExist-ignored | 201 | E=i+41 R T C cors ct=application/json | action=create node{key=/queue/#seq(i+41) val="Job4" mi=i+41 ci=i+41}
G07-list-sorted | 200 | E=i+41 R T C cors ct=application/json | action=get node{key=/queue dir mi=i+36 ci=i+36 nodes=[key=/queue/#seq(i+36) val="Job1" mi=i+36 ci=i+36, key=/queue/#seq(i+37) val="Job2" mi=i+37 ci=i+37, key=/queue/#seq(i+38) dir mi=i+38 ci=i+38, key=/queue/#seq(i+39) val="" mi=i+39 ci=i+39, key=/queue/#seq(i+40) val="Job3" ttl=1000 exp=Z mi=i+40 ci=i+40, key=/queue/#seq(i+41) val="Job4" mi=i+41 ci=i+41] order=asc}
G08-post-to-new-hidden | 201 | E=i+42 R T C cors ct=application/json | action=create node{key=/q2/_h/#seq(i+42) val="x" mi=i+42 ci=i+42}
G09-post-to-file | 400 | E=i+42 C cors ct=application/json | err=104 msg="Not a directory" cause="/foo" index=i+42
G10-post-nested-new | 201 | E=i+43 R T C cors ct=application/json | action=create node{key=/q3/a/b/#seq(i+43) val="x" mi=i+43 ci=i+43}
I01-set-ttl | 201 | E=i+44 R T C cors ct=application/json | action=set node{key=/t1 val="bar" ttl=1000 exp=Z mi=i+44 ci=i+44}
I02-get-ttl | 200 | E=i+44 R T C cors ct=application/json | action=get node{key=/t1 val="bar" ttl=1000 exp=Z mi=i+44 ci=i+44}
I03-set-new-ttl | 200 | E=i+45 R T C cors ct=application/json | action=set node{key=/t1 val="bar2" ttl=2000 exp=Z mi=i+45 ci=i+45} prev{key=/t1 val="bar" ttl=1000 exp=Z mi=i+44 ci=i+44}
I04-clear-ttl-update | 200 | E=i+46 R T C cors ct=application/json | action=update node{key=/t1 val="bar3" mi=i+46 ci=i+45} prev{key=/t1 val="bar2" ttl=2000 exp=Z mi=i+45 ci=i+45}
I05-get-no-ttl | 200 | E=i+46 R T C cors ct=application/json | action=get node{key=/t1 val="bar3" mi=i+46 ci=i+45}
I06-set-ttl-again | 200 | E=i+47 R T C cors ct=application/json | action=set node{key=/t1 val="bar4" ttl=1000 exp=Z mi=i+47 ci=i+47} prev{key=/t1 val="bar3" mi=i+46 ci=i+45}
I07-refresh-update | 200 | E=i+48 R T C cors ct=application/json | action=update node{key=/t1 val="bar4" ttl=2000 exp=Z mi=i+48 ci=i+47} prev{key=/t1 val="bar4" ttl=1000 exp=Z mi=i+47 ci=i+47}
I08-refresh-set | 200 | E=i+49 R T C cors ct=application/json | action=set node{key=/t1 val="bar4" ttl=1000 exp=Z mi=i+49 ci=i+49} prev{key=/t1 val="bar4" ttl=2000 exp=Z mi=i+48 ci=i+47}
I09-refresh-cas | 200 | E=i+50 R T C cors ct=application/json | action=compareAndSwap node{key=/t1 val="bar4" ttl=2000 exp=Z mi=i+50 ci=i+49} prev{key=/t1 val="bar4" ttl=1000 exp=Z mi=i+49 ci=i+49}
I10-refresh-cas-fail | 412 | E=i+50 C cors ct=application/json | err=101 msg="Compare failed" cause="[nope != bar4]" index=i+50
I11-refresh-missing | 404 | E=i+50 C cors ct=application/json | err=100 msg="Key not found" cause="/tnokey" index=i+50
I12-refresh-create | 201 | E=i+51 R T C cors ct=application/json | action=create node{key=/tnokey val="" ttl=1000 exp=Z mi=i+51 ci=i+51}
I13-update-ttl-no-value | 200 | E=i+52 R T C cors ct=application/json | action=update node{key=/t1 val="" ttl=1000 exp=Z mi=i+52 ci=i+49} prev{key=/t1 val="bar4" ttl=2000 exp=Z mi=i+50 ci=i+49}
I14-set-ttl-empty-perm | 201 | E=i+53 R T C cors ct=application/json | action=set node{key=/t2 val="p" mi=i+53 ci=i+53}
I15-dir-ttl | 201 | E=i+54 R T C cors ct=application/json | action=set node{key=/tdir dir ttl=1000 exp=Z mi=i+54 ci=i+54}
I16-file-in-ttl-dir | 201 | E=i+55 R T C cors ct=application/json | action=set node{key=/tdir/k val="v" mi=i+55 ci=i+55}
I17-get-ttl-dir | 200 | E=i+55 R T C cors ct=application/json | action=get node{key=/tdir dir ttl=1000 exp=Z mi=i+54 ci=i+54 nodes=[key=/tdir/k val="v" mi=i+55 ci=i+55]}
I18-dir-ttl-update | 200 | E=i+56 R T C cors ct=application/json | action=update node{key=/tdir dir ttl=2000 exp=Z mi=i+56 ci=i+54} prev{key=/tdir dir ttl=1000 exp=Z mi=i+54 ci=i+54}
I19-dir-ttl-refresh | 200 | E=i+57 R T C cors ct=application/json | action=update node{key=/tdir dir ttl=1000 exp=Z mi=i+57 ci=i+54} prev{key=/tdir dir ttl=2000 exp=Z mi=i+54 ci=i+54}
I20-dir-ttl-clear | 200 | E=i+58 R T C cors ct=application/json | action=update node{key=/tdir dir mi=i+58 ci=i+54} prev{key=/tdir dir ttl=1000 exp=Z mi=i+54 ci=i+54}
I21-cas-with-ttl | 200 | E=i+59 R T C cors ct=application/json | action=compareAndSwap node{key=/t2 val="q" ttl=1000 exp=Z mi=i+59 ci=i+53} prev{key=/t2 val="p" mi=i+53 ci=i+53}
I21b-set-ttl | 201 | E=i+60 R T C cors ct=application/json | action=set node{key=/t3 val="a" ttl=1000 exp=Z mi=i+60 ci=i+60}
I21c-update-no-ttl-clears | 200 | E=i+61 R T C cors ct=application/json | action=update node{key=/t3 val="b" mi=i+61 ci=i+60} prev{key=/t3 val="a" ttl=1000 exp=Z mi=i+60 ci=i+60}
I21d-set-ttl | 200 | E=i+62 R T C cors ct=application/json | action=set node{key=/t3 val="a" ttl=1000 exp=Z mi=i+62 ci=i+62} prev{key=/t3 val="b" mi=i+61 ci=i+60}
I21e-cas-no-ttl-clears | 200 | E=i+63 R T C cors ct=application/json | action=compareAndSwap node{key=/t3 val="c" mi=i+63 ci=i+62} prev{key=/t3 val="a" ttl=1000 exp=Z mi=i+62 ci=i+62}
I22-ttl-zero | 201 | E=i+64 R T C cors ct=application/json | action=set node{key=/t0 val="zero" exp=Z mi=i+64 ci=i+64}
I23-ttl-zero-gone | 404 | E=i+65 C cors ct=application/json | err=100 msg="Key not found" cause="/t0" index=i+65
I24-set-ttl1 | 201 | E=i+66 R T C cors ct=application/json | action=set node{key=/exp1 val="e" ttl=1 exp=Z mi=i+66 ci=i+66}
I25-watch-key-expire | 200 | E=i+66 R T C cors ct=application/json | action=expire node{key=/exp1 mi=i+67 ci=i+66} prev{key=/exp1 val="e" exp=Z mi=i+66 ci=i+66}
I26-watch-root-expire | 200 | E=i+66 R T C cors ct=application/json | action=expire node{key=/exp1 mi=i+67 ci=i+66} prev{key=/exp1 val="e" exp=Z mi=i+66 ci=i+66}
I27-expired-get | 404 | E=i+67 C cors ct=application/json | err=100 msg="Key not found" cause="/exp1" index=i+67
I28-ttl-dir1 | 201 | E=i+68 R T C cors ct=application/json | action=set node{key=/edir dir ttl=1 exp=Z mi=i+68 ci=i+68}
I29-child-of-ttl-dir | 201 | E=i+69 R T C cors ct=application/json | action=set node{key=/edir/child val="c" mi=i+69 ci=i+69}
I30-watch-child-dir-expire | 200 | E=i+69 R T C cors ct=application/json | action=expire node{key=/edir dir mi=i+70 ci=i+68} prev{key=/edir dir exp=Z mi=i+68 ci=i+68}
I31-expired-child-get | 404 | E=i+70 C cors ct=application/json | err=100 msg="Key not found" cause="/edir" index=i+70
I31b-store-stats-delta | - | - | expireCount+3 setsSuccess+4
I32-history-expire | 200 | E=i+70 R T C cors ct=application/json | action=expire node{key=/edir dir mi=i+70 ci=i+68} prev{key=/edir dir exp=Z mi=i+68 ci=i+68}
I33-set-for-refresh | 201 | E=i+71 R T C cors ct=application/json | action=set node{key=/rf val="v" ttl=1000 exp=Z mi=i+71 ci=i+71}
I34-refresh | 200 | E=i+72 R T C cors ct=application/json | action=update node{key=/rf val="v" ttl=2000 exp=Z mi=i+72 ci=i+71} prev{key=/rf val="v" ttl=1000 exp=Z mi=i+71 ci=i+71}
I35-watch-missed-refresh | 200 | E=i+71 R T C cors ct=application/json | <empty>
I36-history-skips-refresh | 200 | E=i+72 R T C cors ct=application/json | <empty>
W01-setup | 201 | E=i+73 R T C cors ct=application/json | action=set node{key=/w/a val="1" mi=i+73 ci=i+73}
W02-setup | 200 | E=i+74 R T C cors ct=application/json | action=set node{key=/w/a val="2" mi=i+74 ci=i+74} prev{key=/w/a val="1" mi=i+73 ci=i+73}
W03-setup | 201 | E=i+75 R T C cors ct=application/json | action=set node{key=/w/b val="3" mi=i+75 ci=i+75}
W04-waitIndex-past-exact | 200 | E=i+75 R T C cors ct=application/json | action=set node{key=/w/a val="2" mi=i+74 ci=i+74} prev{key=/w/a val="1" mi=i+73 ci=i+73}
W05-waitIndex-past-earlier | 200 | E=i+75 R T C cors ct=application/json | action=set node{key=/w/a val="1" mi=i+73 ci=i+73}
W06-dir-nonrec-past | 200 | E=i+75 R T C cors ct=application/json | <empty>
W07-dir-rec-past | 200 | E=i+75 R T C cors ct=application/json | action=set node{key=/w/a val="1" mi=i+73 ci=i+73}
W08-waitIndex-future | 200 | E=i+75 R T C cors ct=application/json | <empty>
W09-trigger-create | 201 | E=i+76 R T C cors ct=application/json | action=set node{key=/w/new val="n" mi=i+76 ci=i+76}
W10-watch-nonexistent-key | 200 | E=i+75 R T C cors ct=application/json | action=set node{key=/w/new val="n" mi=i+76 ci=i+76}
W11-trigger-child | 201 | E=i+77 R T C cors ct=application/json | action=set node{key=/w/c val="c" mi=i+77 ci=i+77}
W12-nonrec-dir-ignores-child | 200 | E=i+76 R T C cors ct=application/json | <empty>
W13-trigger-hidden | 201 | E=i+78 R T C cors ct=application/json | action=set node{key=/w/_h val="h" mi=i+78 ci=i+78}
W14-rec-ignores-hidden | 200 | E=i+77 R T C cors ct=application/json | <empty>
W15-trigger-hidden2 | 200 | E=i+79 R T C cors ct=application/json | action=set node{key=/w/_h val="h2" mi=i+79 ci=i+79} prev{key=/w/_h val="h" mi=i+78 ci=i+78}
W16-watch-hidden-direct | 200 | E=i+78 R T C cors ct=application/json | action=set node{key=/w/_h val="h2" mi=i+79 ci=i+79} prev{key=/w/_h val="h" mi=i+78 ci=i+78}
W17-trigger-cas | 200 | E=i+80 R T C cors ct=application/json | action=compareAndSwap node{key=/w/a val="3" mi=i+80 ci=i+74} prev{key=/w/a val="2" mi=i+74 ci=i+74}
W18-rec-sees-cas | 200 | E=i+79 R T C cors ct=application/json | action=compareAndSwap node{key=/w/a val="3" mi=i+80 ci=i+74} prev{key=/w/a val="2" mi=i+74 ci=i+74}
W19-delete-parent | 200 | E=i+81 R T C cors ct=application/json | action=delete node{key=/w dir mi=i+81 ci=i+73} prev{key=/w dir mi=i+73 ci=i+73}
W20-child-sees-parent-delete | 200 | E=i+80 R T C cors ct=application/json | action=delete node{key=/w dir mi=i+81 ci=i+73} prev{key=/w dir mi=i+73 ci=i+73}
W21-nonexistent-deep-not-notified | 200 | E=i+80 R T C cors ct=application/json | <empty>
W22-history-dir-delete-prefix | 200 | E=i+81 R T C cors ct=application/json | action=delete node{key=/w dir mi=i+81 ci=i+73} prev{key=/w dir mi=i+73 ci=i+73}
W23-trigger | 201 | E=i+82 R T C cors ct=application/json | action=set node{key=/s/1 val="1" mi=i+82 ci=i+82}
W24-trigger | 201 | E=i+83 R T C cors ct=application/json | action=set node{key=/s/2 val="2" mi=i+83 ci=i+83}
W25-trigger | 200 | E=i+84 R T C cors ct=application/json | action=delete node{key=/s/1 mi=i+84 ci=i+82} prev{key=/s/1 val="1" mi=i+82 ci=i+82}
W26-stream-3-events | 200 | E=i+81 R T C cors ct=application/json | action=set node{key=/s/1 val="1" mi=i+82 ci=i+82} ;; action=set node{key=/s/2 val="2" mi=i+83 ci=i+83} ;; action=delete node{key=/s/1 mi=i+84 ci=i+82} prev{key=/s/1 val="1" mi=i+82 ci=i+82}
W27-stream-without-wait | 200 | E=i+84 R T C cors ct=application/json | action=get node{key=/s dir mi=i+82 ci=i+82 nodes=[key=/s/2 val="2" mi=i+83 ci=i+83]}
W28-watch-under-file | 200 | E=i+84 R T C cors ct=application/json | <empty>
W29-waitIndex-zero | 200 | E=i+84 R T C cors ct=application/json | <empty>
W30-trigger-root-hidden | 201 | E=i+85 R T C cors ct=application/json | action=set node{key=/_roothidden val="x" mi=i+85 ci=i+85}
W31-root-rec-ignores-hidden | 200 | E=i+84 R T C cors ct=application/json | <empty>
W32-trigger-update | 200 | E=i+86 R T C cors ct=application/json | action=update node{key=/s/2 val="u" mi=i+86 ci=i+83} prev{key=/s/2 val="2" mi=i+83 ci=i+83}
W33-watch-update | 200 | E=i+85 R T C cors ct=application/json | action=update node{key=/s/2 val="u" mi=i+86 ci=i+83} prev{key=/s/2 val="2" mi=i+83 ci=i+83}
W34-trigger-cad | 200 | E=i+87 R T C cors ct=application/json | action=compareAndDelete node{key=/s/2 mi=i+87 ci=i+83} prev{key=/s/2 val="u" mi=i+86 ci=i+83}
W35-watch-cad | 200 | E=i+86 R T C cors ct=application/json | action=compareAndDelete node{key=/s/2 mi=i+87 ci=i+83} prev{key=/s/2 val="u" mi=i+86 ci=i+83}
W36-trigger-post | 201 | E=i+88 R T C cors ct=application/json | action=create node{key=/s/#seq(i+88) val="p" mi=i+88 ci=i+88}
W37-rec-watch-post | 200 | E=i+87 R T C cors ct=application/json | action=create node{key=/s/#seq(i+88) val="p" mi=i+88 ci=i+88}
W38-bulk-writes | - | - | advanced=1005
W39-cleared-401 | 400 | E=i+1093 C cors ct=application/json | err=401 msg="The event in requested index is outdated and cleared" cause="the requested history has been cleared [i+94/i+88]" index=i+1093
W41-oldest-kept | 200 | E=i+1093 R T C cors ct=application/json | action=set node{key=/bulk/k val="x" mi=i+94 ci=i+94} prev{key=/bulk/k val="x" mi=i+93 ci=i+93}
W42-just-cleared | 400 | E=i+1093 C cors ct=application/json | err=401 msg="The event in requested index is outdated and cleared" cause="the requested history has been cleared [i+94/i+93]" index=i+1093
W43-cleared-other-key | 400 | E=i+1093 C cors ct=application/json | err=401 msg="The event in requested index is outdated and cleared" cause="the requested history has been cleared [i+94/i+93]" index=i+1093
W44-cleared-no-wait | 200 | E=i+1093 R T C cors ct=application/json | action=get node{key=/bulk/k val="x" mi=i+1093 ci=i+1093}
)EXPECTED";
