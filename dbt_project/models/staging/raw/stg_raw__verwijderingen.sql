{#- Deletions delivered by the source, one-to-one with raw.verwijderingen. -#}
with

source as (
    select * from {{ source('raw', 'verwijderingen') }}
),

renamed as (
    select
        tabel,
        sleutel,
        verwijderd_op,
        _extractdatum as extractdatum,
        _bronbestand as bronbestand,
        _regelnummer as regelnummer
    from source
)

select * from renamed
