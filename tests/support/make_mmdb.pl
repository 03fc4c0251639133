#!/usr/bin/perl
# Writes a MaxMind DB file from a JSON description, for tests that must not depend on where a
# real database puts a real address. Usage: make_mmdb.pl SPEC.json OUT.mmdb
# SPEC: {"database_type": "GeoLite2-City", "ip_version": 6, "record_size": 28,
#        "build_epoch": 1700000000,            (optional; default: now)
#        "types": {"latitude": "float"},       (optional; overrides the key types below)
#        "networks": [{"network": "192.0.2.0/24", "record": {...}}, ...]}
# Needs Debian's libmaxmind-db-writer-perl.
use strict;
use warnings;
use JSON::PP;
use MaxMind::DB::Writer::Tree;

my ($spec_path, $out_path) = @ARGV;
die "usage: $0 SPEC.json OUT.mmdb\n" unless defined $out_path;
open my $in, '<:raw', $spec_path or die "cannot read $spec_path: $!\n";
my $spec = decode_json(do { local $/; <$in> });
close $in;

# The value types of the GeoIP2 City, GeoLite2-ASN and ip-location-db layouts, by key name.
my %types = (
    city                           => 'map',
    continent                      => 'map',
    country                        => 'map',
    registered_country             => 'map',
    location                       => 'map',
    postal                         => 'map',
    names                          => 'map',
    subdivisions                   => [ 'array', 'map' ],
    latitude                       => 'double',
    longitude                      => 'double',
    accuracy_radius                => 'uint16',
    geoname_id                     => 'uint32',
    autonomous_system_number       => 'uint32',
);
my %overrides = %{ $spec->{types} // {} };
# In the flat layout "city" is a string, not a map.
my $type_of = sub {
    my $key = shift;
    return $overrides{$key} if exists $overrides{$key};
    return $types{$key} // 'utf8_string';
};

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => $spec->{ip_version} // 6,
    record_size              => $spec->{record_size} // 28,
    database_type            => $spec->{database_type},
    languages                => ['en'],
    description              => { en => 'citywatch test database' },
    map_key_type_callback    => $type_of,
    remove_reserved_networks => 0,
);
$tree->_set_build_epoch($spec->{build_epoch}) if defined $spec->{build_epoch};
for my $n (@{ $spec->{networks} }) {
    $tree->insert_network($n->{network}, $n->{record});
}
open my $out, '>:raw', $out_path or die "cannot write $out_path: $!\n";
$tree->write_tree($out);
close $out or die "cannot write $out_path: $!\n";
