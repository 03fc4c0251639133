#!/usr/bin/perl
# Writes a production-size GeoIP2-City-layout database for bench/geo_bench: NETWORKS IPv4
# networks (mostly /24, some /16-/22 and /25-/29, as in real databases) over RECORDS distinct
# city records spread over the world, plus HAGUE_NETS networks whose records lie in and around
# The Hague (radius 1-20 km). The Hague networks are also written, one CIDR a line, to
# OUT.incity so the bench can draw in-city addresses. Deterministic (fixed seed).
# Usage: make_bench_mmdb.pl OUT.mmdb [NETWORKS [RECORDS [HAGUE_NETS]]]
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($out, $networks, $records, $hague_nets) = @ARGV;
die "usage: $0 OUT.mmdb [NETWORKS [RECORDS [HAGUE_NETS]]]\n" unless $out;
$networks //= 2_000_000;
$records //= 150_000;
$hague_nets //= 20_000;
srand(518);

my %types = (
    city => 'map', country => 'map', location => 'map', postal => 'map', names => 'map',
    subdivisions => [ 'array', 'map' ], latitude => 'double', longitude => 'double',
    accuracy_radius => 'uint16', geoname_id => 'uint32',
);
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version            => 6,
    record_size           => 28,
    database_type         => 'GeoLite2-City',
    languages             => ['en'],
    description           => { en => 'citywatch benchmark database (synthetic)' },
    map_key_type_callback => sub { $types{ $_[0] } // 'utf8_string' },
);

my @radii = (1, 5, 10, 20, 50, 100, 200, 500, 1000);
sub record {
    my ($i, $lat, $lon, $radius) = @_;
    return {
        city => { geoname_id => $i, names => { en => "City $i" } },
        country => { iso_code => 'ZZ', names => { en => 'Country ' . ($i % 250) } },
        location => { latitude => $lat, longitude => $lon, accuracy_radius => $radius },
        postal => { code => sprintf('%05d', $i % 100000) },
        subdivisions => [ { names => { en => 'Region ' . ($i % 3000) } } ],
    };
}
my @world = map {
    record($_, -60 + rand(130), -180 + rand(360), $radii[ int(rand(@radii)) ])
} 1 .. $records;
# The Hague and its surroundings: 52.00-52.14 N, 4.18-4.45 E.
my @hague = map {
    record($records + $_, 52.00 + rand(0.14), 4.18 + rand(0.27), (1, 1, 5, 10, 20)[ int(rand(5)) ])
} 1 .. 400;

sub dotted { my $v = shift; join '.', ($v >> 24) & 255, ($v >> 16) & 255, ($v >> 8) & 255, $v & 255 }

for my $n (1 .. $networks) {
    my $len = (24, 24, 24, 24, 24, 22, 20, 16, 25, 26, 28, 29)[ int(rand(12)) ];
    my $ip = (1 + int(rand(222))) << 24 | int(rand(1 << 24));
    $ip &= ~((1 << (32 - $len)) - 1) & 0xffffffff;
    $tree->insert_network(dotted($ip) . "/$len", $world[ int(rand(@world)) ]);
}
# The Hague's networks go in last so nothing overwrites them; 145.0.0.0/8 is theirs.
open my $list, '>', "$out.incity" or die "cannot write $out.incity: $!\n";
for my $n (1 .. $hague_nets) {
    my $net = dotted((145 << 24) | (int(rand(1 << 16)) << 8)) . '/24';
    $tree->insert_network($net, $hague[ int(rand(@hague)) ]);
    print {$list} "$net\n";
}
close $list;
open my $fh, '>:raw', "$out.tmp" or die "cannot write $out.tmp: $!\n";
$tree->write_tree($fh);
close $fh or die;
rename "$out.tmp", $out or die;
